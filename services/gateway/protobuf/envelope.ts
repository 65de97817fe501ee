/**
 * The envelope of a Kubernetes protobuf body: the magic `k8s\0`, then a runtime.Unknown holding
 * the object's apiVersion and kind, its encoded bytes, and their content encoding and type.
 */
import protobuf from 'protobufjs';

export const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Envelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
  readonly contentEncoding: string;
  readonly contentType: string;
}

/** A body that is not a well-formed envelope; the message says why. */
export class MalformedBody extends Error {}

/**
 * Read the envelope field by field: each known field at most once with its own wire type, nothing
 * else, nothing after the end.
 */
export function decodeEnvelope(body: Uint8Array): Envelope {
  if (body.length < MAGIC.length || !MAGIC.equals(body.subarray(0, MAGIC.length))) {
    throw new MalformedBody('the body does not start with the Kubernetes protobuf magic number "k8s\\x00"');
  }
  const out: { -readonly [K in keyof Envelope]: Envelope[K] } = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  const seen = new Set<number>();
  readFields(body.subarray(MAGIC.length), 'runtime.Unknown', seen, (r, id) => {
    switch (id) {
      case 1:
        readFields(r.bytes(), 'runtime.TypeMeta', new Set(), (tr, tid) => {
          if (tid === 1) out.apiVersion = tr.string();
          else if (tid === 2) out.kind = tr.string();
          else return false;
          return true;
        });
        return true;
      case 2:
        out.raw = r.bytes();
        return true;
      case 3:
        out.contentEncoding = r.string();
        return true;
      case 4:
        out.contentType = r.string();
        return true;
    }
    return false;
  });
  return out;
}

/** Every field of a message is length-delimited (wire type 2) and appears at most once. */
function readFields(buf: Uint8Array, what: string, seen: Set<number>, onField: (r: protobuf.Reader, id: number) => boolean): void {
  const r = protobuf.Reader.create(buf);
  try {
    while (r.pos < r.len) {
      const tag = r.uint32();
      const id = tag >>> 3;
      if ((tag & 7) !== 2 || id === 0) throw new MalformedBody(`unexpected field ${id} (wire type ${tag & 7}) in ${what}`);
      if (seen.has(id)) throw new MalformedBody(`field ${id} of ${what} appears twice`);
      seen.add(id);
      if (!onField(r, id)) throw new MalformedBody(`unexpected field ${id} in ${what}`);
    }
  } catch (e) {
    if (e instanceof MalformedBody) throw e;
    throw new MalformedBody(`${what} is truncated or corrupt: ${(e as Error).message}`);
  }
}
