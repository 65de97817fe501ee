/**
 * Apply conflicts as kube-apiserver reports them: 409 Conflict, reason `Conflict`, one cause per
 * field (`type: FieldManagerConflict`, `message: conflict with "m"`, `field: .spec.replicas`) and
 * a message in one of two forms:
 *   Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas
 *   Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\nconflicts with "b" using apps/v1:\n- .spec.paused
 * A manager is named by its name, then `with subresource "status"`, then for Update entries
 * `using <apiVersion>`.
 */
import { parseIdentifier } from './managed-fields.js';
import { pathString } from './path.js';
import type { RawConflict } from './updater.js';

export interface Conflict {
  /** The other manager's name. */
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly apiVersion?: string;
  readonly subresource?: string;
  /** The field, as Kubernetes prints it: `.spec.template.spec.containers[name="app"].image`. */
  readonly field: string;
}

export interface StatusCause {
  readonly type: 'FieldManagerConflict';
  readonly message: string;
  readonly field: string;
}

/** What the gateway answers (HTTP 409). */
export interface ConflictStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: 'Conflict';
  readonly details: { readonly causes: readonly StatusCause[] };
  readonly code: 409;
}

export function toConflicts(raw: readonly RawConflict[]): { conflicts: Conflict[]; byId: string[] } {
  const conflicts: Conflict[] = [];
  const byId: string[] = [];
  for (const c of raw) {
    const who = parseIdentifier(c.manager);
    conflicts.push({
      manager: who.manager ?? '',
      operation: who.operation,
      ...(who.apiVersion ? { apiVersion: who.apiVersion } : {}),
      ...(who.subresource ? { subresource: who.subresource } : {}),
      field: pathString(c.path),
    });
    byId.push(c.manager);
  }
  return { conflicts, byId };
}

/** `"m"`, `"m" with subresource "status"`, `"m" using apps/v1`. */
export function printManager(c: Pick<Conflict, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s = `${s} with subresource ${JSON.stringify(c.subresource)}`;
  if (c.operation === 'Update') s = `${s} using ${c.apiVersion ?? ''}`;
  return s;
}

/** Kubernetes' message; managers sorted by identifier, fields in the order found. */
export function conflictMessage(conflicts: readonly Conflict[], ids?: readonly string[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!)}: ${conflicts[0]!.field}`;
  const groups = new Map<string, { who: Conflict; fields: string[] }>();
  conflicts.forEach((c, i) => {
    const id = ids?.[i] ?? JSON.stringify([c.manager, c.operation, c.apiVersion, c.subresource]);
    const g = groups.get(id) ?? { who: c, fields: [] };
    g.fields.push(c.field);
    groups.set(id, g);
  });
  const lines: string[] = [];
  for (const id of [...groups.keys()].sort()) {
    const g = groups.get(id)!;
    lines.push(`conflicts with ${printManager(g.who)}:`);
    for (const f of g.fields) lines.push(`- ${f}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

export function conflictStatus(conflicts: readonly Conflict[], ids?: readonly string[]): ConflictStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: conflictMessage(conflicts, ids),
    reason: 'Conflict',
    details: { causes: conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field })) },
    code: 409,
  };
}
