/**
 * `GET /openapi/v2` as kube-apiserver serves it (k8s.io/kube-openapi/pkg/handler): the encoding is
 * chosen from the Accept header (JSON, or gnostic protobuf for client-go's
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), anything else is a 406; both
 * encodings share one ETag (the SHA-512 of the JSON, with `Vary: Accept`), and a matching
 * If-None-Match is a 304. Each encoding is built on first use and kept.
 */
import { createHash } from 'node:crypto';
import { buildSwagger } from './document.js';
import { registryGeneration } from '../../../shared/resources/registry.js';
import { servedCustomResources } from '../openapi.js';
import { documentType } from './gnostic.js';
import { toGnostic } from './to-gnostic.js';

export type Encoding = 'json' | 'protobuf';

/** What kube-apiserver answers with for protobuf (the `@v1.0` form is accepted, the `.v1.0` one is sent). */
export const PROTOBUF_V2 = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const ACCEPTED: readonly { type: string; subtype: string; encoding: Encoding }[] = [
  { type: 'application', subtype: 'json', encoding: 'json' },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', encoding: 'protobuf' },
  { type: 'application', subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', encoding: 'protobuf' },
];
const CONTENT_TYPE: Readonly<Record<Encoding, string>> = { json: 'application/json', protobuf: PROTOBUF_V2 };

/**
 * The encoding for an Accept header, as goautoneg + kube-openapi pick it: clauses by quality (then
 * the more specific first), the first clause that any accepted type matches. Undefined: 406.
 */
export function negotiate(accept: string | undefined): Encoding | undefined {
  const clauses = (accept?.trim() || '*/*')
    .split(',')
    .map((c, i) => {
      const [range = '', ...params] = c.split(';').map((x) => x.trim());
      const [type = '', subtype = ''] = range.split('/');
      const q = params.map((p) => /^q=([0-9.]+)$/i.exec(p)).find(Boolean);
      return { type, subtype, q: q ? Number(q[1]) : 1, i };
    })
    .filter((c) => c.type && c.q > 0)
    .sort((a, b) => b.q - a.q || Number(a.type === '*') - Number(b.type === '*') || Number(a.subtype === '*') - Number(b.subtype === '*') || a.i - b.i);
  for (const c of clauses) {
    const hit = ACCEPTED.find((a) => (c.type === a.type || c.type === '*') && (c.subtype === a.subtype || c.subtype === '*'));
    if (hit) return hit.encoding;
  }
  return undefined;
}

interface Built {
  readonly json: Buffer;
  readonly etag: string;
  readonly lastModified: string;
  protobuf?: Buffer;
}
let built: Built | undefined;
/** The registry generation the document was built at: CRDs served or gone rebuild it. */
let builtAt = -1;

function swagger(): Built {
  if (!built || builtAt !== registryGeneration()) {
    builtAt = registryGeneration();
    const custom = servedCustomResources();
    let json = Buffer.from(JSON.stringify(buildSwagger(undefined, custom)));
    if (custom.length) {
      // A CRD schema gnostic can't take must not cost kubectl the whole document: leave the CRDs out then.
      try {
        const type = documentType();
        type.encode(type.fromObject(toGnostic(JSON.parse(json.toString('utf8')))));
      } catch {
        json = Buffer.from(JSON.stringify(buildSwagger()));
      }
    }
    built = { json, etag: `"${createHash('sha512').update(json).digest('hex').toUpperCase()}"`, lastModified: new Date().toUTCString() };
  }
  return built;
}

/** The document's bytes in one encoding (built once). */
export function openApiV2Bytes(encoding: Encoding): Buffer {
  const d = swagger();
  if (encoding === 'json') return d.json;
  if (!d.protobuf) {
    const type = documentType();
    d.protobuf = Buffer.from(type.encode(type.fromObject(toGnostic(JSON.parse(d.json.toString('utf8'))))).finish());
  }
  return d.protobuf;
}

export interface V2Response {
  readonly status: 200 | 304 | 406;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export function openApiV2Response(accept: string | undefined, ifNoneMatch: string | undefined): V2Response {
  const encoding = negotiate(accept);
  if (!encoding) return { status: 406, headers: { vary: 'Accept' } };
  const d = swagger();
  const headers = { vary: 'Accept', 'content-type': CONTENT_TYPE[encoding], etag: d.etag, 'last-modified': d.lastModified };
  if (ifNoneMatch && ifNoneMatch.split(',').some((t) => [d.etag, `W/${d.etag}`, '*'].includes(t.trim()))) return { status: 304, headers };
  return { status: 200, headers, body: openApiV2Bytes(encoding) };
}
