#!/usr/bin/env node
// Builds shared/openapi/k8s-definitions.json, the facts jetkube's OpenAPI documents, strategic merge
// patch and server-side apply are driven by, from Kubernetes' published OpenAPI v2 spec with its
// extensions (`kubernetes/swagger.json.unprocessed` in the kubernetes-client/python repository, or
// `api/openapi-spec/swagger.json` in kubernetes/kubernetes).
//
//   node scripts/gen-openapi.mjs path/to/swagger.json.unprocessed
//
// Kept: types, formats, $refs, required, enums, defaults, numeric bounds and every
// x-kubernetes-* extension. Dropped: descriptions (upstream prose) and paths (the gateway builds
// its own for the kinds it serves).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = process.argv[2];
if (!src) {
  console.error('usage: node scripts/gen-openapi.mjs <swagger.json>');
  process.exit(2);
}
const spec = JSON.parse(readFileSync(src, 'utf8'));
const KEEP = new Set([
  'type', 'format', '$ref', 'items', 'properties', 'additionalProperties', 'required', 'enum', 'default',
  'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'uniqueItems',
]);

function clean(schema) {
  if (Array.isArray(schema)) return schema.map(clean);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const key of Object.keys(schema).sort()) {
    const v = schema[key];
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.keys(v).sort().map((p) => [p, clean(v[p])]));
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = typeof v === 'object' ? clean(v) : v;
    } else if (KEEP.has(key) || key.startsWith('x-kubernetes-')) {
      out[key] = v;
    }
  }
  return out;
}

const definitions = {};
for (const name of Object.keys(spec.definitions).sort()) definitions[name] = clean(spec.definitions[name]);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'shared', 'openapi', 'k8s-definitions.json');
writeFileSync(out, `${JSON.stringify({ source: 'Kubernetes OpenAPI v2 (swagger.json.unprocessed), descriptions removed', definitions })}\n`);
console.log(`${Object.keys(definitions).length} definitions -> ${out}`);
