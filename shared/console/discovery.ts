/**
 * The kinds the console can list, from discovery (/api/v1 and each group's preferred version
 * under /apis): those with `list`, no subresources. Pure, shared with the unit tests.
 */

export interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs?: readonly string[];
}

export interface ApiResourceList {
  readonly groupVersion: string;
  readonly resources: readonly ApiResource[];
}

export interface ApiGroupList {
  readonly groups: readonly { readonly name: string; readonly preferredVersion?: { readonly groupVersion: string }; readonly versions: readonly { readonly groupVersion: string }[] }[];
}

export interface ResourceType {
  readonly groupVersion: string;
  /** Lower-case plural (`deployments`). */
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly watchable: boolean;
}

/** The group versions to read: each group's preferred one. */
export function preferredGroupVersions(groups: ApiGroupList): string[] {
  return groups.groups.map((g) => g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion).filter((gv): gv is string => !!gv);
}

/** Listable kinds from resource lists, sorted by kind; the first group version naming a kind wins. */
export function listableResources(lists: readonly ApiResourceList[]): ResourceType[] {
  const seen = new Set<string>();
  const out: ResourceType[] = [];
  for (const l of lists) {
    for (const r of l.resources) {
      if (r.name.includes('/') || !(r.verbs ?? []).includes('list')) continue;
      const id = `${l.groupVersion.split('/').length === 2 ? l.groupVersion.split('/')[0] : ''}/${r.kind}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ groupVersion: l.groupVersion, plural: r.name, kind: r.kind, namespaced: r.namespaced, watchable: (r.verbs ?? []).includes('watch') });
    }
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.groupVersion.localeCompare(b.groupVersion));
}

/** `api/v1` or `apis/apps/v1`: the root of a group version's paths (no leading slash). */
export function apiRoot(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

/** The collection path of a kind: in a namespace, or across all ('' or a cluster-scoped kind). */
export function collectionPath(t: Pick<ResourceType, 'groupVersion' | 'plural' | 'namespaced'>, namespace: string): string {
  const root = `/${apiRoot(t.groupVersion)}`;
  return t.namespaced && namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${t.plural}` : `${root}/${t.plural}`;
}

/** One object's path. */
export function objectPath(t: Pick<ResourceType, 'groupVersion' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return `${collectionPath(t, t.namespaced ? (namespace ?? '') : '')}/${encodeURIComponent(name)}`;
}
