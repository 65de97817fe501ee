/**
 * Emptying a Terminating namespace (Kubernetes' pkg/controller/namespace/deletion: the
 * namespaced resources deleter and its condition updater), as a plan for an I/O layer:
 *
 * 1. Not being deleted, or already finalized (no `kubernetes` in spec.finalizers): nothing.
 * 2. Delete every object still in the namespace that is not already being deleted (Background).
 * 3. Report what remains in status.conditions (the five NamespaceDeletion* / *Remaining types).
 * 4. Once nothing remains, finalize: PUT /api/v1/namespaces/<ns>/finalize with spec.finalizers
 *    minus `kubernetes`. The gateway removes the namespace when spec.finalizers and
 *    metadata.finalizers are both empty (see readyToRemove in shared/resources/strategy.ts).
 *
 * `remaining` is what the caches hold in the namespace right now, every kind together. Objects
 * this plan deletes still count as remaining: the next reconcile (after their DELETED events or
 * requeueAfterSeconds) sees whether they went.
 */
import type { KObject } from '../../../shared/resources/meta.js';
import type { Namespace } from '../../../shared/resources/types.js';
import { resourceOf } from '../../../shared/resources/registry.js';
import { refOf, type ObjectRef } from '../gc/object-ref.js';
import { formatTimestamp, type Instant } from '../replicaset/time.js';

/** The finalizer the namespace controller owns in spec.finalizers. */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** Requeue estimate when objects wait on finalizers (Kubernetes' finalizerEstimateSeconds). */
export const FINALIZER_ESTIMATE_SECONDS = 15;

export type NamespaceConditionType =
  | 'NamespaceDeletionDiscoveryFailure'
  | 'NamespaceDeletionGroupVersionParsingFailure'
  | 'NamespaceDeletionContentFailure'
  | 'NamespaceContentRemaining'
  | 'NamespaceFinalizersRemaining';

export interface NamespaceCondition {
  readonly type: NamespaceConditionType | string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly lastTransitionTime?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface NamespaceStatus {
  readonly phase?: 'Active' | 'Terminating';
  readonly conditions?: readonly NamespaceCondition[];
}

const CONDITION_TYPES: readonly NamespaceConditionType[] = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
];

const OK: Readonly<Record<NamespaceConditionType, { reason: string; message: string }>> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** Kinds deleted first come first: controllers before what they create, so they stop recreating it. */
const DELETE_ORDER = ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Lease', 'Event'];

export interface NamespaceDeleteAction {
  readonly target: ObjectRef;
  readonly propagationPolicy: 'Background';
}

export interface NamespacePlan {
  /** Nothing to do: the namespace is not terminating, or is already finalized. */
  readonly done: boolean;
  readonly deletes: NamespaceDeleteAction[];
  /** The status to write (PUT /status), only when it differs from the stored one. */
  readonly status?: NamespaceStatus;
  /** spec.finalizers to PUT to /finalize, once the namespace is empty. */
  readonly finalize?: { readonly finalizers: string[] };
  /** When content remains: look again after this long (Kubernetes waits estimate/2 + 1 seconds). */
  readonly requeueAfterSeconds?: number;
}

export interface NamespacePlanOptions {
  /** Errors from the previous round's deletes, reported in NamespaceDeletionContentFailure. */
  readonly deleteErrors?: readonly string[];
}

/** Whether the namespace is terminating (deletionTimestamp set). */
export function isNamespaceTerminating(ns: Namespace): boolean {
  return !!ns.metadata.deletionTimestamp;
}

/** Whether the namespace controller still has work: `kubernetes` is in spec.finalizers. */
export function needsNamespaceFinalization(ns: Namespace): boolean {
  return ns.spec?.finalizers?.includes(NAMESPACE_FINALIZER) ?? false;
}

export function planNamespaceDeletion(
  ns: Namespace,
  remaining: readonly KObject[],
  now: Instant,
  opts: NamespacePlanOptions = {},
): NamespacePlan {
  if (!isNamespaceTerminating(ns) || !needsNamespaceFinalization(ns)) return { done: true, deletes: [] };
  const name = ns.metadata.name ?? '';
  const content = remaining.filter((o) => (o.metadata.namespace ?? '') === name);

  const deletes = content
    .filter((o) => !o.metadata.deletionTimestamp)
    .sort(byDeleteOrder)
    .map((o) => ({ target: refOf(o), propagationPolicy: 'Background' as const }));

  const failures = contentConditions(content);
  const errors = [...(opts.deleteErrors ?? [])].sort();
  if (errors.length) {
    failures.push({
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${errors.length} remaining: ${errors.join(', ')}`,
    });
  }
  const conditions = updateNamespaceConditions(ns.status?.conditions as readonly NamespaceCondition[] | undefined, failures, now);
  const statusChanged = conditions !== undefined || ns.status?.phase !== 'Terminating';
  const status: NamespaceStatus | undefined = statusChanged
    ? { ...(ns.status ?? {}), phase: 'Terminating', conditions: conditions ?? (ns.status?.conditions as readonly NamespaceCondition[] | undefined) ?? [] }
    : undefined;

  if (content.length > 0) {
    return { done: false, deletes, ...(status ? { status } : {}), requeueAfterSeconds: Math.floor(estimateSeconds(content) / 2) + 1 };
  }
  return {
    done: false,
    deletes,
    ...(status ? { status } : {}),
    finalize: { finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER) },
  };
}

/**
 * How long the remaining content may take to go: the longest termination grace period among
 * non-terminal pods (default 30s), else FINALIZER_ESTIMATE_SECONDS when something waits on a
 * finalizer, else 0.
 */
export function estimateSeconds(content: readonly KObject[]): number {
  let estimate = 0;
  for (const o of content) {
    if (o.kind !== 'Pod') continue;
    const phase = (o.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const grace = (o.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds ?? 30;
    estimate = Math.max(estimate, grace);
  }
  if (estimate === 0 && content.some((o) => o.metadata.finalizers?.length)) estimate = FINALIZER_ESTIMATE_SECONDS;
  return estimate;
}

/** NamespaceContentRemaining / NamespaceFinalizersRemaining failures for what is left (none when empty). */
function contentConditions(content: readonly KObject[]): NamespaceCondition[] {
  if (!content.length) return [];
  const byResource = new Map<string, number>();
  const byFinalizer = new Map<string, number>();
  for (const o of content) {
    const info = resourceOf(o.apiVersion, o.kind);
    const resource = info ? `${info.plural}.${info.group}` : `${o.kind.toLowerCase()}.`;
    byResource.set(resource, (byResource.get(resource) ?? 0) + 1);
    for (const f of o.metadata.finalizers ?? []) byFinalizer.set(f, (byFinalizer.get(f) ?? 0) + 1);
  }
  const out: NamespaceCondition[] = [
    {
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${[...byResource].map(([r, n]) => `${r} has ${n} resource instances`).sort().join(', ')}`,
    },
  ];
  if (byFinalizer.size) {
    out.push({
      type: 'NamespaceFinalizersRemaining',
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${[...byFinalizer].map(([f, n]) => `${f} in ${n} resource instances`).sort().join(', ')}`,
    });
  }
  return out;
}

/**
 * Merge the controller's condition types into existing ones (Kubernetes' updateConditions): a type
 * without a failure gets its OK variant (status False); lastTransitionTime changes only when the
 * status does; other condition types are kept. Returns undefined when nothing changed.
 */
export function updateNamespaceConditions(
  existing: readonly NamespaceCondition[] | undefined,
  failures: readonly NamespaceCondition[],
  now: Instant,
): NamespaceCondition[] | undefined {
  const at = formatTimestamp(now);
  const out = [...(existing ?? [])];
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const failure = failures.find((c) => c.type === type);
    const want: NamespaceCondition = failure ?? { type, status: 'False', reason: OK[type].reason, message: OK[type].message };
    const i = out.findIndex((c) => c.type === type);
    if (i < 0) {
      out.push({ ...want, lastTransitionTime: at });
      changed = true;
      continue;
    }
    const old = out[i]!;
    if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      out[i] = { ...want, lastTransitionTime: old.status !== want.status ? at : (old.lastTransitionTime ?? at) };
      changed = true;
    }
  }
  return changed ? out : undefined;
}

function byDeleteOrder(a: KObject, b: KObject): number {
  const ia = rank(a.kind);
  const ib = rank(b.kind);
  if (ia !== ib) return ia - ib;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

function rank(kind: string): number {
  const i = DELETE_ORDER.indexOf(kind);
  return i < 0 ? DELETE_ORDER.length : i;
}
