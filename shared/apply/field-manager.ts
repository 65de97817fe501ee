/**
 * Server-side apply and managed-fields tracking as kube-apiserver's field manager does them, for the
 * gateway to call on every write:
 *  - {@link applyObject} for an apply patch (`application/apply-patch+yaml`);
 *  - {@link updateObject} for create, update and every other patch (operation Update).
 * Layers, outermost first (apimachinery's managedfields): the applied object must be the endpoint's
 * kind and carry no managedFields; for the manager `kubectl`, conflicts on fields still as the
 * client-side-apply annotation says are forced and the annotation is kept in step; the first apply
 * to an object nobody tracks yet gives its existing fields to `before-first-apply`; Update entries
 * beyond 10 merge into `ancient-changes`; the manager is identified by name, operation, apiVersion
 * (Update only) and subresource; the entry's time is set when the manager's write changes
 * something; fields Kubernetes never tracks are stripped.
 * Pure: the clock is an input; inputs are not modified.
 */
import { conflictStatus, toConflicts, type Conflict, type ConflictStatus } from './conflicts.js';
import { ApplyError } from './errors.js';
import type { FieldSet } from './field-set.js';
import { ANCIENT_CHANGES, capUpdateManagers, MAX_UPDATE_MANAGERS } from './cap-managers.js';
import { strip, STRIPPED_FIELDS } from './strip-meta.js';
import {
  decodeManagedFields, EMPTY_MANAGED, encodeManagedFields, isResetManagedFields, managerIdentifier, rfc3339,
  type Managed, type ManagedFieldsEntry,
} from './managed-fields.js';
import { valuesEqual } from './path.js';
import { isMap, type Type } from './schema.js';
import { applyManagers, updateManagers, type RawConflict } from './updater.js';
import { fieldsStillAsLastApplied, KUBECTL_MANAGER, withLastApplied } from './last-applied.js';
import { withZeroStructs, zeroObject } from './zero.js';

type Obj = Record<string, unknown>;

export { ANCIENT_CHANGES, MAX_UPDATE_MANAGERS, STRIPPED_FIELDS };

/** Manager of the fields an object had when it was first applied to without managedFields. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';
export interface WriteContext {
  /** The apply type of the kind (see `typeOf`). */
  readonly type: Type;
  /** The endpoint's group/version: `apps/v1`, `v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** `status`, `scale`… for subresource writes; absent for the main resource. */
  readonly subresource?: string;
  /**
   * Fields this endpoint resets, which nobody owns through it (the strategy's reset fields:
   * `status` for the main resource of most kinds, `spec` for their status subresource).
   */
  readonly resetFields?: FieldSet;
  readonly now: Date;
}

export interface ApplyInput extends WriteContext {
  /** The stored object, or undefined when the apply creates it. */
  readonly live: Obj | undefined;
  /** The applied configuration (the request body). */
  readonly applied: Obj;
  /** The `fieldManager` query parameter (required for apply; the gateway rejects a missing one). */
  readonly manager: string;
  readonly force?: boolean;
}

export type ApplyResult =
  | {
      readonly ok: true;
      /** The object to store, with its new managedFields. */
      readonly object: Obj;
      /** False when the apply changed nothing but managedFields (which may still have changed). */
      readonly changed: boolean;
    }
  | {
      readonly ok: false;
      readonly conflicts: readonly Conflict[];
      /** The 409 Status to answer with. */
      readonly status: ConflictStatus;
    };

/**
 * Apply `applied` to `live` for `manager`. Throws {@link ApplyError} (400) when the body is not the
 * endpoint's kind or carries managedFields, (500) when the stored managedFields cannot be read or an
 * item has no key; returns the conflicts when fields owned by others would change and `force` is off.
 */
export function applyObject(input: ApplyInput): ApplyResult {
  const ctx: WriteContext = input;
  const applied = input.applied;
  checkKind(applied, ctx);
  const meta = applied.metadata;
  if (isMap(meta) && meta.managedFields !== undefined && meta.managedFields !== null) {
    throw new ApplyError('metadata.managedFields must be nil', 400);
  }
  const live = input.live ?? {};
  let r = applyOnce(input, input.force ?? false);
  if (!r.ok && input.manager === KUBECTL_MANAGER) {
    // Taking over from client-side apply: conflicts on fields still as last applied are forced.
    const allowed = fieldsStillAsLastApplied(withoutManagedFields(live), ctx.type, ctx.apiVersion);
    if (allowed) {
      const rest = r.conflicts.filter((c) => !allowed.has(c.path));
      r = rest.length === 0 ? applyOnce(input, true) : { ok: false, conflicts: rest };
    }
  }
  if (!r.ok) {
    const { conflicts, byId } = toConflicts(r.conflicts);
    return { ok: false, conflicts, status: conflictStatus(conflicts, byId) };
  }
  let object = r.object;
  if (input.manager === KUBECTL_MANAGER) object = withLastApplied(object, applied);
  const changed = !valuesEqual(withoutManagedFields(object), withoutManagedFields(live));
  return { ok: true, object, changed };
}

/** One apply below the client-side-apply layer: raw conflicts, or the object with its managedFields. */
function applyOnce(input: ApplyInput, force: boolean): { ok: true; object: Obj } | { ok: false; conflicts: readonly RawConflict[] } {
  const ctx: WriteContext = input;
  let managed: Managed;
  try {
    managed = decodeManagedFields(isMap(input.live?.metadata) ? input.live.metadata.managedFields : undefined);
  } catch (e) {
    throw new ApplyError(`failed to decode managed fields: ${(e as Error).message}`, 500);
  }
  const live = withoutManagedFields(input.live ?? {});
  if (managed.fields.size === 0) managed = trackUpdate(zeroObject(ctx.type), live, managed, BEFORE_FIRST_APPLY, ctx);
  const id = managerIdentifier({ manager: input.manager || 'unknown', operation: 'Apply', subresource: ctx.subresource });
  let r: ReturnType<typeof applyManagers>;
  try {
    r = applyManagers(live, input.applied, managed.fields, id, force, options(ctx));
  } catch (e) {
    if (e instanceof ApplyError) throw new ApplyError(`failed to create typed patch object (${objectName(input.applied, ctx)}): ${e.message}`, e.code);
    throw e;
  }
  if (!r.ok) return r;
  const fields = strip(r.managers, id);
  const times = new Map(managed.times);
  const changed = r.object !== undefined;
  if (changed) times.set(id, rfc3339(ctx.now));
  for (const k of times.keys()) if (!fields.has(k)) times.delete(k);
  const object = changed ? (dropNulls(r.object) as Obj) : live;
  return { ok: true, object: withManagedFields(object, encodeManagedFields({ fields, times })) };
}

export interface UpdateInput extends WriteContext {
  /** The stored object, or undefined for a create. */
  readonly old: Obj | undefined;
  /** The object about to be stored (after patching, defaults and the strategy). */
  readonly new: Obj;
  /** The field manager: see `managerOrUserAgent`. */
  readonly manager: string;
}

/**
 * The object to store for an ordinary write, with managedFields updated for `manager` (operation
 * Update). A request may set managedFields itself (they are then taken as given), or clear them
 * with `[]` or `[{}]`; a subresource write always starts from the stored ones. An object that is
 * updated without managedFields stays untracked until its first apply. Never throws for bad
 * managedFields: like kube-apiserver, it falls back to the stored ones.
 */
export function updateObject(input: UpdateInput): Obj {
  const managed = managedForUpdate(input);
  const newObj = withoutManagedFields(input.new);
  const creating = input.old === undefined || !(isMap(input.old.metadata) && input.old.metadata.uid);
  if (managed.fields.size === 0 && !creating) return newObj;
  const next = trackUpdate(input.old ? withoutManagedFields(input.old) : zeroObject(input.type), newObj, managed, input.manager || 'unknown', input);
  return withManagedFields(newObj, encodeManagedFields(next));
}

function managedForUpdate(input: UpdateInput): Managed {
  const fromLive = (): Managed => {
    try {
      return decodeManagedFields(isMap(input.old?.metadata) ? input.old!.metadata.managedFields : undefined);
    } catch {
      return EMPTY_MANAGED;
    }
  };
  if (input.subresource) return fromLive();
  const requested = isMap(input.new.metadata) ? input.new.metadata.managedFields : undefined;
  if (isResetManagedFields(requested)) return EMPTY_MANAGED;
  try {
    const m = decodeManagedFields(requested);
    return m.fields.size > 0 ? m : fromLive();
  } catch {
    return fromLive();
  }
}

/** An Update by `manager`: its changes become its own, merged into its existing Update entry. */
function trackUpdate(oldObj: Obj, newObj: Obj, managed: Managed, manager: string, ctx: WriteContext): Managed {
  const id = managerIdentifier({ manager, operation: 'Update', apiVersion: ctx.apiVersion, subresource: ctx.subresource });
  const current = '\u0000current-operation';
  const after = strip(updateManagers(oldObj, newObj, managed.fields, current, options(ctx)), current);
  const times = new Map(managed.times);
  const mine = after.get(current);
  if (mine) {
    after.delete(current);
    const prev = after.get(id);
    after.set(id, { ...mine, set: prev ? mine.set.union(prev.set) : mine.set });
    times.set(id, rfc3339(ctx.now));
  }
  for (const k of times.keys()) if (!after.has(k)) times.delete(k);
  return capUpdateManagers({ fields: after, times });
}

function options(ctx: WriteContext) {
  const zero = zeroObject(ctx.type);
  return { type: ctx.type, apiVersion: ctx.apiVersion, ignored: ctx.resetFields, normalize: (o: unknown) => withZeroStructs(o, zero) };
}

function checkKind(applied: Obj, ctx: WriteContext): void {
  if (applied.apiVersion === ctx.apiVersion && applied.kind === ctx.kind) return;
  throw new ApplyError(`invalid object type: ${gvkString(applied)}`, 400);
}

/** Go's GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(o: Obj): string {
  const av = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  return `${av.includes('/') ? av : `/${av}`}, Kind=${typeof o.kind === 'string' ? o.kind : ''}`;
}

/** `default/web; apps/v1, Kind=Deployment`, as kube-apiserver names an object in apply errors. */
function objectName(o: Obj, ctx: WriteContext): string {
  const m = isMap(o.metadata) ? o.metadata : {};
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return `${str(m.namespace)}/${str(m.name)}; ${gvkString({ apiVersion: ctx.apiVersion, kind: ctx.kind })}`;
}

function withoutManagedFields(o: Obj): Obj {
  if (!isMap(o.metadata) || !('managedFields' in o.metadata)) return o;
  const { managedFields: _, ...metadata } = o.metadata;
  return { ...o, metadata };
}

function withManagedFields(o: Obj, entries: ManagedFieldsEntry[] | undefined): Obj {
  const base = withoutManagedFields(o);
  if (!entries) return base;
  return { ...base, metadata: { ...(isMap(base.metadata) ? base.metadata : {}), managedFields: entries } };
}

/** Map entries that are null: what apply leaves where a removal emptied a map (Go types drop them). */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (!isMap(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}
