/** The kinds the API serves (discovery), read once per page load. */
import { useEffect, useState } from 'react';
import { listableResources, preferredGroupVersions, apiRoot, type ApiGroupList, type ApiResourceList, type ResourceType } from '../../../shared/console/discovery.js';
import { getJSON } from './client';

let cached: Promise<ResourceType[]> | undefined;

export function resourceTypes(): Promise<ResourceType[]> {
  cached ??= (async () => {
    const groups = await getJSON<ApiGroupList>('/apis');
    const gvs = ['v1', ...preferredGroupVersions(groups)];
    const lists = await Promise.all(gvs.map((gv) => getJSON<ApiResourceList>(`/${apiRoot(gv)}`).catch(() => ({ groupVersion: gv, resources: [] }))));
    return listableResources(lists);
  })();
  cached.catch(() => (cached = undefined));
  return cached;
}

export function useResourceTypes(): ResourceType[] {
  const [types, setTypes] = useState<ResourceType[]>([]);
  useEffect(() => {
    void resourceTypes().then(setTypes, () => undefined);
  }, []);
  return types;
}

/** The type of a kind (`Deployment`) or plural (`deployments`), if served. */
export function findType(types: readonly ResourceType[], kindOrPlural: string): ResourceType | undefined {
  const k = kindOrPlural.toLowerCase();
  return types.find((t) => t.kind.toLowerCase() === k || t.plural === k);
}

export type { ResourceType };
