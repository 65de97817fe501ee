/**
 * `jkctl apply -f`: create what is missing, update what exists, like kubectl's client-side apply.
 * The manifest is recorded in the `kubectl.kubernetes.io/last-applied-configuration` annotation;
 * an update is the three-way strategic merge patch kubectl sends (shared/patch/three-way.ts): from
 * the live object to the manifest without deletions, plus what the previous apply set and this
 * manifest drops; lists with a patch merge key merge item by item. It carries the live
 * resourceVersion as precondition. Server-filled fields the manifest leaves out (status, a
 * service's clusterIP and node ports, defaults) stay. An empty patch is not sent: `unchanged`.
 */
import { isApiError, isConflict, isNotFound } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { apiVersionOf, resourceKey, resourceOf, type ResourceInfo } from '../../shared/resources/registry.js';
import { isPlainObject } from '../../shared/resources/json.js';
import { strategyOf } from '../../shared/resources/strategy.js';
import { patchSchemaForKind } from '../../shared/patch/patch-schema.js';
import { createThreeWayMergePatch } from '../../shared/patch/three-way.js';
import type { Ctx } from './context.js';
import { CliError, errorLine } from './errors.js';
import { slashName } from './kinds.js';
import { orderForApply, readManifests, type Manifest } from './manifests.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_CONFLICT_RETRIES = 5;

type Json = Record<string, unknown>;

/** JSON with object keys sorted, so the same manifest always records the same annotation. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isPlainObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
  );
}

/** The manifest as it is sent: with its own last-applied annotation (the manifest without it). */
export function withLastApplied(manifest: KObject): KObject {
  const { annotations: _all, ...meta } = manifest.metadata;
  const { [LAST_APPLIED_ANNOTATION]: _old, ...annotations } = manifest.metadata.annotations ?? {};
  const clean: KObject = { ...manifest, metadata: Object.keys(annotations).length ? { ...meta, annotations } : meta };
  return { ...clean, metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${canonicalJson(clean)}\n` } } };
}

/** The configuration the previous apply recorded on the live object, if any. */
export function lastApplied(live: KObject): Json | undefined {
  const raw = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!raw) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The strategic merge patch for an update, as kubectl computes it: the three-way patch of the
 * last-applied configuration recorded on `live`, the manifest (`modified`, with its new
 * annotation) and `live`. `{}` when there is nothing to change.
 */
export function applyPatch(info: ResourceInfo, modified: KObject, live: KObject): Json {
  return createThreeWayMergePatch(lastApplied(live), modified, live, patchSchemaForKind(info.group, info.version, info.kind));
}

export type ApplyResult = 'created' | 'configured' | 'unchanged';

/** The resource a manifest's apiVersion and kind name, or kubectl's "no matches" error. */
export function infoFor(obj: KObject, source: string): ResourceInfo {
  const info = resourceOf(obj.apiVersion, obj.kind);
  if (!info || apiVersionOf(info) !== obj.apiVersion) {
    throw new CliError(`resource mapping not found for name: "${obj.metadata.name ?? ''}" namespace: "${obj.metadata.namespace ?? ''}" from "${source}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
  }
  return info;
}

/** The namespace a manifest goes to: its own, else `-n`, else default; `-n` and a different own one clash. */
export function namespaceOf(ctx: Pick<Ctx, 'namespace' | 'explicitNamespace'>, info: ResourceInfo, obj: KObject): string | undefined {
  if (!info.namespaced) return undefined;
  const own = obj.metadata.namespace;
  if (own && ctx.explicitNamespace && own !== ctx.namespace) {
    throw new CliError(`the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own || ctx.namespace;
}

/** Apply one manifest; what happened. */
export async function applyOne(ctx: Ctx, m: Manifest): Promise<{ info: ResourceInfo; name: string; result: ApplyResult }> {
  const info = infoFor(m.object, m.source);
  const name = m.object.metadata.name;
  if (!name) throw new CliError(`error when retrieving current configuration of "${m.source}": the ${info.kind} has no metadata.name (generateName cannot be used with apply)`);
  const ns = namespaceOf(ctx, info, m.object);
  const modified = withLastApplied({ ...m.object, metadata: { ...m.object.metadata, ...(ns ? { namespace: ns } : {}) } });
  const rc = ctx.client.resource(resourceKey(info));
  for (let attempt = 0; ; attempt++) {
    let live: KObject;
    try {
      live = await rc.get(ns, name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await rc.create(ns, modified);
      return { info, name, result: 'created' };
    }
    if (!live.metadata.annotations?.[LAST_APPLIED_ANNOTATION]) {
      ctx.err.write(`Warning: resource ${info.plural}/${name} is missing the ${LAST_APPLIED_ANNOTATION} annotation which is required by jkctl apply. It will be patched automatically.\n`);
    }
    const patch = applyPatch(info, modified, live);
    if (Object.keys(patch).length === 0) return { info, name, result: 'unchanged' };
    patch.metadata = { ...(patch.metadata as Json), resourceVersion: live.metadata.resourceVersion };
    try {
      // Custom resources take no strategic merge patch (415): kubectl sends them a JSON merge patch.
      await rc.patch(ns, name, patch, strategyOf(info).customResource ? 'merge' : 'strategic');
      return { info, name, result: 'configured' };
    } catch (e) {
      if (!isConflict(e) || attempt >= MAX_CONFLICT_RETRIES) throw e;
    }
  }
}

/** `jkctl apply -f ...`: every object, in dependency order; failures are reported at the end. Exit 1 if any. */
export async function apply(ctx: Ctx, files: readonly string[]): Promise<number> {
  const failures: string[] = [];
  for (const m of orderForApply(await readManifests(files))) {
    try {
      const r = await applyOne(ctx, m);
      ctx.out.write(`${slashName(r.info, r.name)} ${r.result}\n`);
    } catch (e) {
      failures.push(isApiError(e) && e.cause === undefined ? `Error from server (${e.reason}): error when applying "${m.source}": ${e.message}` : errorLine(e, ctx.server));
    }
  }
  for (const f of failures) ctx.err.write(`${f}\n`);
  return failures.length ? 1 : 0;
}
