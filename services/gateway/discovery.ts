/** Discovery documents kubectl and client libraries read before anything else. */
import { allResources, type ResourceInfo } from '../../shared/resources/registry.js';
import { CONVERTED_VERSIONS, groupVersions, resourcesIn } from './paths.js';
import { historyApiGroup } from './history/resources.js';
import { byVersionPriority } from '../../shared/resources/crd-versions.js';

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-jetkube.0.1.0',
  gitCommit: 'jetkube',
  gitTreeState: 'clean',
  buildDate: '2026-11-22T00:00:00Z',
  goVersion: `node ${process.version}`,
  compiler: 'tsc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export function apiVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

/**
 * Resources served but never stored (no registry row, no strategy): answered by their own routes.
 * authorization.k8s.io's reviews (authz/reviews.ts), create only.
 */
const UNSTORED: Readonly<Record<string, readonly { name: string; kind: string; namespaced: boolean }[]>> = {
  'authorization.k8s.io/v1': [
    { name: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true },
    { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false },
    { name: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false },
    { name: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
  ],
};

function servedGroupVersions(): string[] {
  return [...new Set([...groupVersions(), ...Object.keys(CONVERTED_VERSIONS), ...Object.keys(UNSTORED)])];
}

export function apiGroupList(): object {
  const groups = [...new Set([...allResources().filter((r) => r.group).map((r) => r.group), ...Object.keys(UNSTORED).map((gv) => gv.split('/')[0]!)])];
  // history.jetkube.io is served by the gateway itself (history/api.ts), not by a registered kind.
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups.map(apiGroup), historyApiGroup()] };
}

/** A group's versions highest priority first (Kubernetes' version order); the first is preferred. */
export function apiGroup(name: string): object {
  const names = byVersionPriority(servedGroupVersions().filter((gv) => gv.startsWith(`${name}/`)).map((gv) => gv.split('/')[1]!));
  const versions = names.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions, preferredVersion: versions[0] };
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiResourceList(groupVersion: string): object | undefined {
  const converted = CONVERTED_VERSIONS[groupVersion];
  const infos = converted ? resourcesIn(converted.to).filter((r) => converted.plurals.includes(r.plural)) : resourcesIn(groupVersion);
  const unstored = UNSTORED[groupVersion] ?? [];
  if (infos.length === 0 && unstored.length === 0) return undefined;
  const resources = [
    ...infos.flatMap((r) => [entry(r), ...r.subresources.map((s) => subEntry(r, s)), ...streamEntries(r)]),
    ...unstored.map((u) => ({ name: u.name, singularName: u.kind.toLowerCase(), namespaced: u.namespaced, kind: u.kind, verbs: ['create'], storageVersionHash: '' })),
  ];
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/** The built-in resources in kubectl's `all` category (as kube-apiserver lists them). */
const ALL_CATEGORY = new Set(['pods', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'jobs', 'cronjobs']);

function entry(r: ResourceInfo): object {
  return {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: VERBS,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories?.length ? { categories: r.categories } : ALL_CATEGORY.has(r.plural) ? { categories: ['all'] } : {}),
    storageVersionHash: '',
  };
}

function subEntry(r: ResourceInfo, sub: string): object {
  const base = { name: `${r.plural}/${sub}`, singularName: '', namespaced: r.namespaced };
  switch (sub) {
    case 'scale':
      return { ...base, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'binding':
      return { ...base, kind: 'Binding', verbs: ['create'] };
    case 'eviction':
      return { ...base, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'log':
      return { ...base, kind: 'Pod', verbs: ['get'] };
    default:
      return { ...base, kind: r.kind, verbs: ['get', 'patch', 'update'] };
  }
}

/** pods/attach and pods/exec (WebSocket upgrades, exec.ts), as kube-apiserver lists them. */
function streamEntries(r: ResourceInfo): object[] {
  if (r.plural !== 'pods' || r.group !== '') return [];
  return ['attach', 'exec'].map((sub) => ({ name: `pods/${sub}`, singularName: '', namespaced: true, kind: sub === 'exec' ? 'PodExecOptions' : 'PodAttachOptions', verbs: ['create', 'get'] }));
}
