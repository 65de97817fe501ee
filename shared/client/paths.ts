/** REST paths for a resource, derived from the registry (the inverse of services/gateway/paths.ts). */
import { badRequest } from '../errors.js';
import type { ResourceInfo } from '../resources/registry.js';

const seg = (s: string) => encodeURIComponent(s);

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(info: ResourceInfo): string {
  return info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
}

/** The collection: namespaced with a namespace, else cluster-wide (all namespaces for namespaced kinds). */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const base = groupVersionPath(info);
  if (info.namespaced && namespace) return `${base}/namespaces/${seg(namespace)}/${info.plural}`;
  return `${base}/${info.plural}`;
}

export function objectPath(info: ResourceInfo, namespace: string | undefined, name: string, subresource?: string): string {
  if (!name) throw badRequest(`a ${info.kind} name is required`);
  if (info.namespaced && !namespace) throw badRequest(`${info.plural} are namespaced: a namespace is required`);
  const p = `${collectionPath(info, namespace)}/${seg(name)}`;
  return subresource ? `${p}/${subresource}` : p;
}
