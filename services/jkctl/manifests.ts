/**
 * Manifests for `apply -f` and `delete -f`: files, directories (their .yaml/.yml/.json files,
 * sorted) or `-` for stdin; multi-document YAML or JSON; `List` kinds flattened into their items.
 * Applied in an order that makes a file work in one go (a Namespace before what lives in it,
 * ConfigMaps and Secrets before the pods that mount them), deleted in the reverse order.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import YAML from 'yaml';
import type { KObject } from '../../shared/resources/meta.js';
import { isPlainObject } from '../../shared/resources/json.js';
import { CliError } from './errors.js';

export interface Manifest {
  readonly object: KObject;
  /** The file it came from (`-` for stdin), for messages. */
  readonly source: string;
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Every object in one text, in document order. */
export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of YAML.parseAllDocuments(text)) {
    if (doc.errors.length) throw new CliError(`error parsing ${source}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const v: unknown = doc.toJS({ maxAliasCount: 100 });
    if (v === null || v === undefined) continue;
    for (const object of flatten(v, source)) out.push({ object, source });
  }
  return out;
}

function flatten(v: unknown, source: string): KObject[] {
  if (!isPlainObject(v)) throw new CliError(`error validating "${source}": a manifest must be an object`);
  if (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items)) return v.items.flatMap((i) => flatten(i, source));
  if (typeof v.kind !== 'string' || !v.kind) throw new CliError(`error validating "${source}": error validating data: kind not set`);
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) throw new CliError(`error validating "${source}": error validating data: apiVersion not set`);
  if (!isPlainObject(v.metadata)) throw new CliError(`error validating "${source}": error validating data: metadata not set`);
  return [v as KObject];
}

/** The files a `-f` argument names: itself, or a directory's manifest files sorted by name. */
async function filesOf(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  return (await readdir(path)).filter((f) => MANIFEST_EXT.test(f)).sort().map((f) => join(path, f));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every object from the `-f` arguments, in the order given. */
export async function readManifests(paths: readonly string[], verb = 'apply', stdin: () => Promise<string> = readStdin): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...parseManifests(await stdin(), '-'));
      continue;
    }
    for (const f of await filesOf(p)) out.push(...parseManifests(await readFile(f, 'utf8'), f));
  }
  if (!out.length) throw new CliError(`no objects passed to ${verb}`);
  return out;
}

/** Kinds that others depend on come first (like Helm's install order); the rest keep file order. */
const APPLY_ORDER = ['Namespace', 'Node', 'Secret', 'ConfigMap', 'Service', 'Endpoints', 'Lease', 'Pod', 'ReplicaSet', 'Deployment'];

const rank = (m: Manifest) => {
  const i = APPLY_ORDER.indexOf(m.object.kind);
  return i < 0 ? APPLY_ORDER.length : i;
};

/** The order to create objects in: a stable sort by kind. */
export function orderForApply(ms: readonly Manifest[]): Manifest[] {
  return ms.map((m, i) => ({ m, i })).sort((a, b) => rank(a.m) - rank(b.m) || a.i - b.i).map(({ m }) => m);
}

/** The order to delete objects in: the reverse of orderForApply. */
export function orderForDelete(ms: readonly Manifest[]): Manifest[] {
  return orderForApply(ms).reverse();
}
