/**
 * The gateway's write path: read a subject's last message, validate, default, admit, and publish
 * with "expected last subject sequence" set to what was read. No lock, no second store.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { EventLog, StoredEvent } from '../../shared/eventlog/index.js';
import { isCasError } from '../../shared/eventlog/index.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  isAlreadyExists,
  isNotFound,
  conflict,
  invalid,
  notFound,
} from '../../shared/errors.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { resourceByPlural, subjectToken } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';
import { generateNameSuffix } from '../../shared/resources/defaults.js';
import { strategyOf } from '../../shared/resources/strategy.js';
import { crScale } from '../../shared/resources/cr-schema.js';
import { asServedVersion, asStoredVersion } from '../../shared/resources/crd-versions.js';
import { fromLabelSelector, formatRequirements } from '../../shared/resources/selectors.js';
import { applyPatch, type PatchType } from './patch.js';
import { bindDecision, decodeBody, deleteDecision, nextFromBody, objectForCreate, stripRv, withRv, writeContext, type Decision, type DeleteRequest, type Tracking } from './decisions.js';
import { applyObject, isApplyError } from '../../shared/apply/index.js';
import { patchSchemaForKind } from '../../shared/patch/patch-schema.js';
import type { NamespaceCache } from './namespaces.js';
import type { Reservations } from './reservations.js';
import { currentAuthor } from './write-context.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldValidation?: FieldValidation;
  /** Who makes the write, for metadata.managedFields: ?fieldManager=, else from the User-Agent. */
  readonly manager?: string;
  /** Server-side apply only: take the fields other managers own. */
  readonly force?: boolean;
  /** Validating admission of the object about to be written (create, update, patch, apply; not delete), with the stored one on updates: throws to refuse. */
  readonly admit?: (obj: KObject, old?: KObject) => void;
}

export interface WriteResult {
  readonly object: KObject;
  readonly warnings: readonly string[];
}

export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  readonly orphanDependents?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: readonly string[];
}

const MAX_CAS_RETRIES = 8;

export { rfc3339 } from '../../shared/resources/time.js';

export class ObjectStore {
  constructor(
    private readonly log: EventLog,
    private readonly clock: () => Date = () => new Date(),
    private readonly namespaces?: NamespaceCache,
    /** Cross-object allocations (node pod CIDRs) taken on write and given back on deletion. */
    private readonly reservations?: Reservations,
    /** Mutating admission on create (DefaultIngressClass): a new object, or the one given. */
    private readonly admitCreate?: (info: ResourceInfo, ns: string, obj: KObject) => Promise<KObject>,
  ) {}

  private subject(info: ResourceInfo, ns: string, name: string): string {
    return this.log.subjectFor(subjectToken(info), info.namespaced ? ns : undefined, name);
  }

  /** The live object (as the version `info` names shows it), or undefined when it never existed or was deleted. */
  async getLive(info: ResourceInfo, ns: string, name: string): Promise<StoredEvent | undefined> {
    const ev = await this.log.getLast(this.subject(info, ns, name));
    return ev && ev.type !== 'DELETED' ? served(info, ev) : undefined;
  }

  /** Publish an object as it is stored (a custom resource in its CRD's storage version). */
  private append(info: ResourceInfo, subject: string, type: StoredEvent['type'], obj: KObject, expected: number, manager: string | undefined): Promise<number> {
    return this.log.append(subject, type, asStoredVersion(info, obj), expected, currentAuthor(manager));
  }

  async get(info: ResourceInfo, ns: string, name: string): Promise<KObject> {
    const ev = await this.getLive(info, ns, name);
    if (!ev) throw notFound(info.plural, info.group, name);
    return ev.object;
  }

  // ---------------------------------------------------------------- create

  async create(info: ResourceInfo, ns: string, body: unknown, opts: WriteOptions = {}, tracked = false): Promise<WriteResult> {
    const refused = strategyOf(info).admitCreate?.();
    if (refused) throw refused;
    const { object: decoded, warnings } = decodeBody(info, body, opts.fieldValidation);
    const meta = decoded.metadata ?? {};
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    this.checkNamespaceMatch(info, ns, decoded);
    if (!meta.name && !meta.generateName) {
      throw invalid(info.kind, info.group, '', [
        { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
      ]);
    }
    if (info.namespaced) await this.admitNamespace(ns);
    const parsed = this.admitCreate ? await this.admitCreate(info, ns, decoded) : decoded;

    // One uid per request: a retried attempt is the same owner, so it reuses its reservations.
    const uid = randomUUID();
    const holds = this.reservations?.applies(info) ?? false;
    const tracking: Tracking = { manager: tracked ? null : opts.manager, now: this.clock() };
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const name = meta.name || `${meta.generateName}${generateNameSuffix()}`;
      const final = objectForCreate(info, parsed, { namespace: ns, name, uid }, tracking);
      if (attempt === 0) warnings.push(...(strategyOf(info).warningsOnCreate?.(final) ?? []));
      opts.admit?.(final);
      if (holds) {
        const r = await this.createHolding(info, ns, final, opts.dryRun ?? false, opts.manager);
        if (r !== 'taken') return { object: r, warnings };
        if (!meta.name) continue; // generateName collision: draw another suffix
        throw alreadyExists(info.plural, info.group, name);
      }
      if (opts.dryRun) return { object: final, warnings };

      const subject = this.subject(info, ns, name);
      try {
        const seq = await this.append(info, subject, 'ADDED', final, 0, opts.manager);
        return { object: withRv(final, seq), warnings };
      } catch (e) {
        if (!isCasError(e)) throw e;
      }
      // The subject has history: a tombstone lets us create again; a live object is AlreadyExists.
      const last = await this.log.getLast(subject);
      if (last && last.type === 'DELETED') {
        try {
          const seq = await this.append(info, subject, 'ADDED', final, last.seq, opts.manager);
          return { object: withRv(final, seq), warnings };
        } catch (e) {
          if (!isCasError(e)) throw e;
          continue;
        }
      }
      if (!meta.name) continue; // generateName collision: draw another suffix
      throw alreadyExists(info.plural, info.group, name);
    }
    throw new ApiError('Timeout', `could not create ${info.plural} after ${MAX_CAS_RETRIES} attempts (contention)`);
  }

  /**
   * Create an object that holds reservations. Each attempt reads the subject first (the sequence
   * the create will expect), then reserves, then publishes, so the reservation is always newer than
   * what the CAS expects (the allocator's contract); a retry reuses what the first attempt took.
   * 'taken': the name is live. Reservations are given back when the create definitely failed; an
   * ambiguous failure (a publish that timed out) keeps them, and they go stale if the object never
   * appears.
   */
  private async createHolding(info: ResourceInfo, ns: string, obj: KObject, dryRun: boolean, manager: string | undefined): Promise<KObject | 'taken'> {
    const r = this.reservations!;
    const subject = this.subject(info, ns, obj.metadata.name!);
    let held: KObject | undefined;
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      const last = await this.log.getLast(subject);
      if (last && last.type !== 'DELETED') {
        if (held) await r.release(info, held);
        return 'taken';
      }
      const final = await r.acquire(info, held ?? obj, undefined, dryRun);
      if (dryRun) return final;
      held = final;
      try {
        const seq = await this.append(info, subject, 'ADDED', final, last?.seq ?? 0, manager);
        return withRv(final, seq);
      } catch (e) {
        if (!isCasError(e)) throw e;
      }
    }
    if (held) await r.release(info, held);
    throw new ApiError('Timeout', `could not create ${info.plural} after ${MAX_CAS_RETRIES} attempts (contention)`);
  }

  // ---------------------------------------------------------------- update / status

  async update(
    info: ResourceInfo,
    ns: string,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
    subresource?: 'status' | 'finalize',
  ): Promise<WriteResult> {
    const { object: parsed, warnings } = decodeBody(info, body, opts.fieldValidation);
    this.checkNamespaceMatch(info, ns, parsed);
    if (parsed.metadata?.name && parsed.metadata.name !== name) {
      throw badRequest(`the name of the object (${parsed.metadata.name}) does not match the name on the URL (${name})`);
    }
    const clientRv = parsed.metadata?.resourceVersion || undefined;
    const object = await this.mutate(info, ns, name, clientRv, opts, (cur) => nextFromBody(info, cur.object, parsed, subresource, { manager: opts.manager, now: this.clock() }));
    return { object, warnings };
  }

  // ---------------------------------------------------------------- patch

  async patch(
    info: ResourceInfo,
    ns: string,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions = {},
    subresource?: 'status',
  ): Promise<WriteResult> {
    const warnings: string[] = [];
    const clientRv = patchPrecondition(patch);
    const object = await this.mutate(info, ns, name, clientRv, opts, (cur) => {
      const patched = applyPatch(type, cur.object, patch, patchSchemaForKind(info.group, info.version, info.kind));
      const { object: parsed, warnings: w } = decodeBody(info, patched, opts.fieldValidation);
      warnings.splice(0, warnings.length, ...w);
      if (parsed.metadata?.name !== name) throw badRequest('metadata.name cannot be changed by a patch');
      return nextFromBody(info, cur.object, parsed, subresource, { manager: opts.manager, now: this.clock() });
    });
    return { object, warnings };
  }

  // ---------------------------------------------------------------- delete

  /** `admit`: validating admission of the delete, with the stored object (throws to refuse). */
  async delete(info: ResourceInfo, ns: string, name: string, dopts: DeleteOptions = {}, admit?: (old: KObject) => void): Promise<KObject> {
    const dryRun = (dopts.dryRun ?? []).includes('All');
    // Without a policy: orphanDependents if given, else the kind's default (Jobs orphan, as batch/v1 always has).
    const policy = dopts.propagationPolicy ?? (dopts.orphanDependents === true ? 'Orphan' : dopts.orphanDependents === false ? 'Background' : strategyOf(info).defaultPropagation?.policy ?? 'Background');
    if (!['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw invalid('DeleteOptions', '', '', [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`, field: 'propagationPolicy' }]);
    }
    if (dopts.gracePeriodSeconds !== undefined && (!Number.isInteger(dopts.gracePeriodSeconds) || dopts.gracePeriodSeconds < 0)) {
      throw invalid('DeleteOptions', '', '', [{ reason: 'FieldValueInvalid', message: 'Invalid value: must be a non-negative integer', field: 'gracePeriodSeconds' }]);
    }
    const refused = strategyOf(info).admitDelete?.(name);
    if (refused) throw refused;
    const req: DeleteRequest = { propagationPolicy: policy as DeleteRequest['propagationPolicy'], ...(dopts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: dopts.gracePeriodSeconds } : {}), ...(dopts.preconditions ? { preconditions: dopts.preconditions } : {}) };
    return this.mutate(info, ns, name, undefined, { dryRun }, (cur) => {
      admit?.(cur.object);
      return deleteDecision(info, cur.object, cur.seq, req, this.clock());
    });
  }

  // ---------------------------------------------------------------- binding

  async bind(ns: string, name: string, body: unknown): Promise<void> {
    const pods = resourceByPlural('pods')!;
    const b = (body ?? {}) as { kind?: string; target?: { kind?: string; name?: string }; metadata?: { name?: string } };
    if (typeof b !== 'object' || Array.isArray(b)) throw badRequest('a Binding must be a JSON object');
    if (b.kind && b.kind !== 'Binding') throw badRequest(`expected kind Binding, got ${b.kind}`);
    if (b.metadata?.name && b.metadata.name !== name) {
      throw badRequest(`the name of the binding (${b.metadata.name}) does not match the pod (${name})`);
    }
    const node = b.target?.name;
    if (!node || typeof node !== 'string') {
      throw invalid('Binding', '', name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
    }
    if (b.target?.kind && b.target.kind !== 'Node') {
      throw invalid('Binding', '', name, [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${b.target.kind}": supported values: "Node"`, field: 'target.kind' }]);
    }
    await this.mutate(pods, ns, name, undefined, {}, (cur) => bindDecision(cur.object, node, this.clock()));
  }

  // ---------------------------------------------------------------- scale

  async getScale(info: ResourceInfo, ns: string, name: string): Promise<KObject> {
    return scaleOf(info, await this.get(info, ns, name));
  }

  async updateScale(info: ResourceInfo, ns: string, name: string, body: unknown, opts: WriteOptions = {}): Promise<KObject> {
    const s = scaleSpec(body, name);
    const object = await this.mutate(info, ns, name, s.resourceVersion, opts, (cur) =>
      nextFromBody(info, cur.object, { ...cur.object, spec: { replicas: s.replicas } }, 'scale', { manager: opts.manager, now: this.clock() }),
    );
    return scaleOf(info, object);
  }

  async patchScale(info: ResourceInfo, ns: string, name: string, type: PatchType, patch: unknown, opts: WriteOptions = {}): Promise<KObject> {
    const cur = await this.get(info, ns, name);
    const patched = applyPatch(type, scaleOf(info, cur), patch, patchSchemaForKind('autoscaling', 'v1', 'Scale'));
    return this.updateScale(info, ns, name, patched, opts);
  }

  // ---------------------------------------------------------------- server-side apply

  /**
   * Server-side apply (`application/apply-patch+yaml`): merge the applied configuration into the
   * live object per the kind's schema, taking ownership of its fields for `opts.manager`; fields
   * this manager applied before and no longer does, and no one else owns, go. A field another
   * manager owns with a different value is a 409 conflict unless `opts.force`. An object that does
   * not exist is created from the applied configuration.
   */
  async apply(info: ResourceInfo, ns: string, name: string, body: unknown, opts: WriteOptions, subresource?: 'status'): Promise<WriteResult> {
    const manager = opts.manager!;
    const { object: applied, warnings } = decodeBody(info, body, opts.fieldValidation ?? 'Strict', true);
    this.checkNamespaceMatch(info, ns, applied);
    if (applied.metadata?.name && applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    const run = (live: KObject | undefined): KObject => {
      const r = applyOrStatus({
        live: live as Record<string, unknown> | undefined,
        applied: { ...applied, metadata: { ...applied.metadata, name } } as Record<string, unknown>,
        manager,
        force: opts.force ?? false,
        ...writeContext(info, subresource, this.clock()),
      });
      if (!r.ok) {
        throw new ApiError('Conflict', r.status.message, { causes: r.status.details.causes.map((c) => ({ reason: 'FieldManagerConflict' as const, message: c.message, field: c.field })) });
      }
      return r.object as KObject;
    };
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      try {
        const object = await this.mutate(info, ns, name, undefined, opts, (cur) => nextFromBody(info, cur.object, run(cur.object), subresource, { manager: null, now: this.clock() }));
        return { object, warnings };
      } catch (e) {
        if (!isNotFound(e) || subresource) throw e;
      }
      try {
        const created = await this.create(info, ns, run(undefined), opts, true);
        return { object: created.object, warnings };
      } catch (e) {
        if (!isAlreadyExists(e)) throw e; // created meanwhile: apply to it
      }
    }
    throw conflict(info.plural, info.group, name, 'too many concurrent writers; try again');
  }

  // ---------------------------------------------------------------- internals

  /**
   * Read-compute-CAS loop. `clientRv` is the caller's precondition: a mismatch is a 409 at once;
   * without one, a lost CAS re-reads and recomputes (the change is computed on the newest state).
   */
  private async mutate(
    info: ResourceInfo,
    ns: string,
    name: string,
    clientRv: string | undefined,
    opts: WriteOptions,
    compute: (cur: StoredEvent) => Decision,
  ): Promise<KObject> {
    const subject = this.subject(info, ns, name);
    // A reservation an update takes (a node's podCIDR set from "" on a node that had none) is not
    // given back if the update fails: a concurrent update of the same object (same uid) may have
    // written it. It is the object's until the object is deleted, then stale.
    const holds = this.reservations?.applies(info) ?? false;
    for (let attempt = 0; attempt < MAX_CAS_RETRIES; attempt++) {
      // A precondition naming the sequence this gateway last wrote there: that object is known
      // without a read, and the CAS on that sequence checks it is still the newest. If the CAS
      // loses, the next attempt reads the stream and answers as it always did (409, or 404).
      const recentRaw = attempt === 0 && clientRv !== undefined && /^[1-9][0-9]{0,15}$/.test(clientRv) ? this.log.recentAt(subject, Number(clientRv)) : undefined;
      const recent = recentRaw && served(info, recentRaw);
      const cur = recent ?? (await this.getLive(info, ns, name));
      if (!cur) throw notFound(info.plural, info.group, name);
      if (clientRv !== undefined && clientRv !== String(cur.seq)) {
        throw conflict(info.plural, info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      const computed = compute(cur);
      // A write that changes nothing still rewrites an object stored under a stale encryption
      // (another key than the first, or none): how `kubectl replace` re-encrypts every Secret after
      // a key rotation, as kube-apiserver does.
      const d: Decision = computed.op === 'noop' && cur.stale ? { op: 'write', type: 'MODIFIED', object: computed.object } : computed;
      if (d.op === 'noop') {
        // Admission runs on a write that changes nothing too (a refused writer learns it either way).
        opts.admit?.(d.object, cur.object);
        return d.object;
      }
      let next = d.object;
      if (d.type !== 'DELETED') opts.admit?.(next, cur.object);
      if (holds && d.type !== 'DELETED') {
        next = await this.reservations!.acquire(info, next, cur.object, opts.dryRun ?? false);
        // A spec that only looked changed because it left allocated values out is not a new generation.
        if (strategyOf(info).generation && isDeepStrictEqual(next.spec, cur.object.spec)) {
          next = { ...next, metadata: { ...next.metadata, generation: cur.object.metadata.generation } };
        }
        if (isDeepStrictEqual(stripRv(next), stripRv(cur.object))) return cur.object;
      }
      if (opts.dryRun) return next;
      try {
        const seq = await this.append(info, subject, d.type, stripRv(next), cur.seq, opts.manager);
        // The tombstone is written: what the object held is free again.
        if (holds && d.type === 'DELETED') await this.reservations!.release(info, next);
        else if (holds) await this.reservations!.afterUpdate?.(info, next, cur.object);
        return withRv(next, seq);
      } catch (e) {
        if (!isCasError(e)) throw e;
        if (recent) continue;
        if (clientRv !== undefined) {
          throw conflict(info.plural, info.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
        }
      }
    }
    throw conflict(info.plural, info.group, name, 'too many concurrent writers; try again');
  }

  private checkNamespaceMatch(info: ResourceInfo, ns: string, obj: KObject): void {
    const bodyNs = obj.metadata?.namespace;
    if (info.namespaced && bodyNs && bodyNs !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }

  /** Namespace lifecycle admission: the namespace must exist and not be terminating. */
  private async admitNamespace(ns: string): Promise<void> {
    if (this.namespaces?.cached(ns) === 'active') return;
    const nsInfo = resourceByPlural('namespaces')!;
    const ev = await this.getLive(nsInfo, '', ns);
    if (!ev) throw notFound('namespaces', '', ns);
    this.namespaces?.observe(ns, ev.seq, ev.object.metadata.deletionTimestamp ? 'terminating' : 'active');
    if (ev.object.metadata.deletionTimestamp) {
      throw new ApiError('Forbidden', `unable to create new content in namespace ${ns} because it is being terminated`, {
        name: ns,
        kind: 'namespaces',
      });
    }
  }
}

/** applyObject with its request errors as Statuses: 400 for a bad applied configuration, 500 for stored state it can't read. */
function applyOrStatus(input: Parameters<typeof applyObject>[0]): ReturnType<typeof applyObject> {
  try {
    return applyObject(input);
  } catch (e) {
    if (!isApplyError(e)) throw e;
    throw e.code === 400 ? badRequest(e.message) : new ApiError('InternalError', `Internal error occurred: ${e.message}`);
  }
}




/** A stored event with its object as the version `info` names shows it. */
function served(info: ResourceInfo, ev: StoredEvent): StoredEvent {
  const object = asServedVersion(info, ev.object);
  return object === ev.object ? ev : { ...ev, object };
}

function patchPrecondition(patch: unknown): string | undefined {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return undefined;
  const rv = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
  return typeof rv === 'string' && rv ? rv : undefined;
}

/** The Scale of an object: a CRD's scale paths, else spec.replicas / status.replicas / spec.selector. */
export function scaleOf(info: ResourceInfo, obj: KObject): KObject {
  const paths = strategyOf(info).scale;
  return paths ? crScale(obj, paths) : toScale(obj);
}

export function toScale(obj: KObject): KObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (obj.status ?? {}) as { replicas?: number };
  let selector = '';
  try {
    selector = spec.selector ? formatRequirements(fromLabelSelector(spec.selector)) : '';
  } catch {
    selector = '';
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

function scaleSpec(body: unknown, name: string): { replicas: number; resourceVersion?: string } {
  const b = body as { kind?: string; spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string; name?: string } };
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw badRequest('a Scale must be a JSON object');
  if (b.kind && b.kind !== 'Scale') throw badRequest(`expected kind Scale, got ${b.kind}`);
  const r = b.spec?.replicas;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
    throw invalid('Scale', 'autoscaling', name, [
      { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(r ?? null)}: must be greater than or equal to 0`, field: 'spec.replicas' },
    ]);
  }
  return { replicas: r, ...(b.metadata?.resourceVersion ? { resourceVersion: b.metadata.resourceVersion } : {}) };
}
