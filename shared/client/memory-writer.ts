/**
 * The writer port's in-memory twin: objects in a Map keyed by kind/namespace/name, a
 * resourceVersion counter for compare-and-swap, and a log of every call so a unit test can count
 * what a reconcile wrote. It raises the gateway's ApiErrors for the cases controllers handle
 * (404, 409 AlreadyExists, 409 Conflict on a stale resourceVersion or uid); the contract test
 * (test/int/writer.int.test.ts) keeps it honest against the real gateway.
 *
 * Not modelled: admission, validation, defaulting, graceful pod deletion, generation, dry runs.
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, notFound } from '../errors.js';
import type { KObject } from '../resources/meta.js';
import { apiVersionOf, resourceByKey, type ResourceInfo } from '../resources/registry.js';
import { strategicMergePatch } from '../patch/strategic-merge.js';
import { patchSchemaForKind } from '../patch/patch-schema.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { DeleteOptions } from './gateway-client.js';
import type { ObjectWriter, ResourceWriter } from './writer.js';

export type WriterVerb = 'get' | 'listAll' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete';

export interface WriterCall {
  readonly verb: WriterVerb;
  readonly plural: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
}

const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

export class MemoryWriter implements ObjectWriter {
  private readonly objects = new Map<string, KObject>();
  private rv = 0;
  private names = 0;
  /** Every call, in order. */
  readonly calls: WriterCall[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  /** Calls of this verb (and plural), or all calls. */
  count(verb?: WriterVerb, plural?: string): number {
    return this.calls.filter((c) => (!verb || c.verb === verb) && (!plural || c.plural === plural)).length;
  }

  /** Calls that change something (not get or listAll). */
  writes(): WriterCall[] {
    return this.calls.filter((c) => c.verb !== 'get' && c.verb !== 'listAll');
  }

  /** Store obj as given (a resourceVersion is assigned), without counting a call: a test's starting state. */
  seed<T extends KObject>(plural: string, obj: T): T {
    const info = infoOf(plural);
    const stored = this.stamp(info, obj);
    this.objects.set(keyFor(info, stored.metadata.namespace, stored.metadata.name ?? ''), stored);
    return clone(stored);
  }

  resource<T extends KObject = KObject>(plural: string): ResourceWriter<T> {
    const info = infoOf(plural);
    const ns = (namespace: string | undefined) => (info.namespaced ? namespace || undefined : undefined);
    const log = (verb: WriterVerb, namespace: string | undefined, name: string | undefined) => this.calls.push({ verb, plural, namespace: ns(namespace), name });
    const stored = (namespace: string | undefined, name: string): KObject => {
      const obj = this.objects.get(keyFor(info, ns(namespace), name));
      if (!obj) throw notFound(info.plural, info.group, name);
      return obj;
    };
    const put = (obj: KObject): T => {
      const next = this.stamp(info, obj);
      const key = keyFor(info, next.metadata.namespace, next.metadata.name ?? '');
      // The last finalizer of an object being deleted is gone: so is the object.
      if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) this.objects.delete(key);
      else this.objects.set(key, next);
      return clone(next) as T;
    };
    const requireRv = (current: KObject, rv: string | undefined, name: string) => {
      if (rv && rv !== current.metadata.resourceVersion) throw conflict(info.plural, info.group, name, MODIFIED);
    };
    return {
      get: async (namespace, name) => {
        log('get', namespace, name);
        return clone(stored(namespace, name)) as T;
      },
      listAll: async (namespace) => {
        log('listAll', namespace, undefined);
        const out: T[] = [];
        for (const obj of this.objects.values()) {
          if (obj.kind === info.kind && (!ns(namespace) || obj.metadata.namespace === ns(namespace))) out.push(clone(obj) as T);
        }
        return out;
      },
      create: async (namespace, obj) => {
        const n = ns(namespace ?? obj.metadata.namespace);
        log('create', n, obj.metadata.name ?? obj.metadata.generateName);
        if (info.namespaced && !n) throw badRequest(`${info.plural} are namespaced: a namespace is required`);
        const name = obj.metadata.name || (obj.metadata.generateName ? `${obj.metadata.generateName}${(++this.names).toString(36).padStart(5, '0')}` : '');
        if (!name) throw badRequest('name or generateName is required');
        if (this.objects.has(keyFor(info, n, name))) throw alreadyExists(info.plural, info.group, name);
        const metadata = { ...obj.metadata, name, uid: randomUUID(), creationTimestamp: this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z') };
        if (n) metadata.namespace = n;
        else delete metadata.namespace;
        delete metadata.resourceVersion;
        return put({ ...obj, metadata });
      },
      update: async (obj) => {
        const name = obj.metadata.name ?? '';
        log('update', obj.metadata.namespace, name);
        const current = stored(obj.metadata.namespace, name);
        requireRv(current, obj.metadata.resourceVersion, name);
        const next = { ...obj, metadata: { ...obj.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp } } as KObject;
        if (info.subresources.includes('status')) (next as { status?: unknown }).status = (current as { status?: unknown }).status;
        return put(next);
      },
      updateStatus: async (obj) => {
        const name = obj.metadata.name ?? '';
        log('updateStatus', obj.metadata.namespace, name);
        if (!info.subresources.includes('status')) throw badRequest(`${info.plural} have no status subresource`);
        const current = stored(obj.metadata.namespace, name);
        requireRv(current, obj.metadata.resourceVersion, name);
        return put({ ...current, status: (obj as { status?: unknown }).status } as KObject);
      },
      patch: async (namespace, name, patch, type) => {
        log('patch', namespace, name);
        const current = stored(namespace, name);
        if (!isObject(patch)) throw badRequest(`a ${type === 'merge' ? 'merge' : 'strategic merge'} patch must be a JSON object`);
        const pm = isObject(patch.metadata) ? patch.metadata : {};
        if (typeof pm.uid === 'string' && pm.uid !== current.metadata.uid) {
          throw conflict(info.plural, info.group, name, `Precondition failed: UID in precondition: ${pm.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
        }
        requireRv(current, typeof pm.resourceVersion === 'string' ? pm.resourceVersion : undefined, name);
        const patched = (type === 'merge' ? mergePatch(current, patch) : strategicMergePatch(current, patch, patchSchemaForKind(info.group, info.version, info.kind))) as KObject;
        return put({ ...patched, metadata: { ...patched.metadata, name, uid: current.metadata.uid } });
      },
      delete: async (namespace, name, opts: DeleteOptions = {}) => {
        log('delete', namespace, name);
        const current = stored(namespace, name);
        const pre = opts.preconditions ?? {};
        if (pre.uid && pre.uid !== current.metadata.uid) {
          throw conflict(info.plural, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
        }
        if (pre.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
          throw conflict(info.plural, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion ?? ''}`);
        }
        if (current.metadata.finalizers?.length) {
          if (current.metadata.deletionTimestamp) return clone(current) as T;
          return put({ ...current, metadata: { ...current.metadata, deletionTimestamp: this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z') } });
        }
        this.objects.delete(keyFor(info, ns(namespace), name));
        return clone(current) as T;
      },
    };
  }

  private stamp<T extends KObject>(info: ResourceInfo, obj: T): T {
    return clone({ ...obj, apiVersion: obj.apiVersion || apiVersionOf(info), kind: obj.kind || info.kind, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
  }
}

function infoOf(plural: string): ResourceInfo {
  const info = resourceByKey(plural);
  if (!info) throw badRequest(`unknown resource "${plural}"`);
  return info;
}

function keyFor(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${info.kind}/${info.namespaced ? (namespace ?? '') : ''}/${name}`;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
