/**
 * What one message on a resource subject is (pure; every consumer uses it, so they all agree):
 *
 *  - `event`: a valid event. Its identity comes from the SUBJECT; the body only had to agree.
 *  - `poison`: can't be decoded (not UTF-8, not JSON, not an envelope, no metadata), its body's
 *    kind/namespace/name disagrees with its subject, or it holds text no consumer can store (a lone
 *    UTF-16 surrogate). Consumers record or count it and go on; it never stops them.
 *  - `other`: not a resource subject (allocations): not an object event at all.
 */
import type { EventType, KObject } from '../resources/meta.js';
import { resourceBySubjectToken, type ResourceInfo } from '../resources/registry.js';
import { parseResourceSubject } from './subjects.js';

/** Version of the envelope; bump on an incompatible change and keep a reader for the old one. */
export const EVENT_SCHEMA_VERSION = 1;

export type Classified =
  | {
      readonly result: 'event';
      readonly plural: string;
      /** '' for cluster-scoped objects. */
      readonly namespace: string;
      readonly name: string;
      /** Undefined for a resource this build does not know (its kind is not checked). */
      readonly info: ResourceInfo | undefined;
      readonly type: EventType;
      readonly object: KObject;
    }
  | { readonly result: 'poison'; readonly reason: string }
  | { readonly result: 'other' };

const EVENT_TYPES: ReadonlySet<string> = new Set<EventType>(['ADDED', 'MODIFIED', 'DELETED']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const poison = (reason: string): Classified => ({ result: 'poison', reason });
const quote = (s: unknown) => JSON.stringify(s)?.slice(0, 80) ?? String(s);

export function classifyMessage(
  root: string,
  subject: string,
  data: Uint8Array,
  lookup: (token: string) => ResourceInfo | undefined = resourceBySubjectToken,
): Classified {
  const parsed = parseResourceSubject(root, subject);
  if (!parsed) return { result: 'other' };
  const info = lookup(parsed.plural);

  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    return poison('body is not UTF-8');
  }
  let env: unknown;
  try {
    env = JSON.parse(text);
  } catch (e) {
    return poison(`body is not JSON: ${(e as Error).message.slice(0, 120)}`);
  }
  if (!isRecord(env)) return poison('body is not a JSON object');
  if (env.v !== EVENT_SCHEMA_VERSION) return poison(`unsupported event schema version ${quote(env.v)}`);
  if (typeof env.type !== 'string' || !EVENT_TYPES.has(env.type)) return poison(`unknown event type ${quote(env.type)}`);
  const object = env.object;
  if (!isRecord(object)) return poison('event has no object');
  const meta = object.metadata;
  if (!isRecord(meta)) return poison('object has no metadata');
  if (typeof meta.name !== 'string' || meta.name === '') return poison('object has no metadata.name');

  if (meta.name !== parsed.name) return poison(`body names ${quote(meta.name)} but the subject names ${quote(parsed.name)}`);
  const bodyNs = meta.namespace ?? '';
  if (typeof bodyNs !== 'string') return poison('metadata.namespace is not a string');
  const wantNs = info && !info.namespaced ? '' : parsed.namespace;
  if (bodyNs !== wantNs || parsed.namespace !== wantNs) {
    return poison(`body's namespace ${quote(bodyNs)} disagrees with the subject's ${quote(parsed.namespace)}`);
  }
  if (info && object.kind !== undefined && object.kind !== info.kind) {
    return poison(`body's kind ${quote(object.kind)} disagrees with the subject's resource ${parsed.plural} (${info.kind})`);
  }
  // Writers (JSON.stringify) escape only lone surrogates and control characters as \uXXXX, so a
  // body without a "\\ud" escape cannot hold a lone surrogate: the walk below is for rare bodies.
  if (/\\u[dD][89a-fA-F]/.test(text) && !wellFormed(object)) return poison('a string holds a lone UTF-16 surrogate');

  return {
    result: 'event',
    plural: parsed.plural,
    namespace: parsed.namespace,
    name: parsed.name,
    info,
    type: env.type as EventType,
    object: object as unknown as KObject,
  };
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** True when every string (keys included) in a parsed JSON value is well-formed UTF-16. */
function wellFormed(v: unknown): boolean {
  if (typeof v === 'string') return !LONE_SURROGATE.test(v);
  if (Array.isArray(v)) return v.every(wellFormed);
  if (isRecord(v)) return Object.entries(v).every(([k, x]) => !LONE_SURROGATE.test(k) && wellFormed(x));
  return true;
}

/** A message that `classifyMessage` found poison, thrown where a caller expected an event. */
export class PoisonMessageError extends Error {
  constructor(
    readonly seq: number,
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`the stored event at sequence ${seq} on ${subject} is unreadable: ${reason}`);
    this.name = 'PoisonMessageError';
  }
}
export const isPoisonMessageError = (e: unknown): e is PoisonMessageError => e instanceof PoisonMessageError;
