/**
 * The resource kinds jetkube serves. One row per kind: the names the REST paths, the subjects
 * and the projection tables use. The built-in rows are below; kinds defined at run time are added
 * and removed with registerKind / unregisterKind (strategy.ts).
 */

export interface ResourceInfo {
  /** Kind as in manifests: `Pod`. */
  readonly kind: string;
  /** Lower-case plural: `pods`. Used in REST paths and subjects. */
  readonly plural: string;
  readonly singular: string;
  /** API group: '' for the core group, `apps`, `coordination.k8s.io`. */
  readonly group: string;
  readonly version: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** Groups of resources the kind belongs to (`all`), for discovery: `kubectl get all`. */
  readonly categories?: readonly string[];
  /** Projection table in Postgres. */
  readonly table: string;
  /** Subresources served under the object path. */
  readonly subresources: readonly ('status' | 'scale' | 'binding' | 'log' | 'eviction')[];
  /**
   * A CRD's kind: the version its objects are stored in (their apiVersion on the stream and in the
   * projection); `version` is the one a request names, and objects are shown in it (crd-versions.ts).
   */
  readonly storageVersion?: string;
  /** A CRD's kind: one row per served version, highest priority first (the registry holds the first). */
  readonly versions?: readonly ResourceInfo[];
  /** The warning every request to this (deprecated) version earns. */
  readonly deprecationWarning?: string;
  /** The resource's token in subjects when not its plural (a CRD's kind: see subjectToken). */
  readonly subjectToken?: string;
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('Namespace', 'namespaces', '', false, ['ns'], 'namespaces', ['status']),
  r('Node', 'nodes', '', false, ['no'], 'nodes', ['status']),
  r('Pod', 'pods', '', true, ['po'], 'pods', ['status', 'binding', 'log', 'eviction']),
  r('Service', 'services', '', true, ['svc'], 'services', ['status']),
  r('Endpoints', 'endpoints', '', true, ['ep'], 'endpoints', []),
  r('ConfigMap', 'configmaps', '', true, ['cm'], 'configmaps', []),
  r('Secret', 'secrets', '', true, [], 'secrets', []),
  r('ServiceAccount', 'serviceaccounts', '', true, ['sa'], 'serviceaccounts', []),
  r('Event', 'events', '', true, ['ev'], 'kube_events', []),
  r('ReplicaSet', 'replicasets', 'apps', true, ['rs'], 'replicasets', ['status', 'scale']),
  r('Deployment', 'deployments', 'apps', true, ['deploy'], 'deployments', ['status', 'scale']),
  r('DaemonSet', 'daemonsets', 'apps', true, ['ds'], 'daemonsets', ['status']),
  r('ControllerRevision', 'controllerrevisions', 'apps', true, [], 'controllerrevisions', []),
  r('StatefulSet', 'statefulsets', 'apps', true, ['sts'], 'statefulsets', ['status', 'scale']),
  r('Lease', 'leases', 'coordination.k8s.io', true, [], 'leases', []),
  r('PodDisruptionBudget', 'poddisruptionbudgets', 'policy', true, ['pdb'], 'poddisruptionbudgets', ['status']),
  r('Job', 'jobs', 'batch', true, [], 'jobs', ['status']),
  r('CronJob', 'cronjobs', 'batch', true, ['cj'], 'cronjobs', ['status']),
  r('Ingress', 'ingresses', 'networking.k8s.io', true, ['ing'], 'ingresses', ['status']),
  r('IngressClass', 'ingressclasses', 'networking.k8s.io', false, [], 'ingressclasses', []),
  r('PersistentVolume', 'persistentvolumes', '', false, ['pv'], 'persistentvolumes', ['status']),
  r('PersistentVolumeClaim', 'persistentvolumeclaims', '', true, ['pvc'], 'persistentvolumeclaims', ['status']),
  r('StorageClass', 'storageclasses', 'storage.k8s.io', false, ['sc'], 'storageclasses', []),
  { ...r('HorizontalPodAutoscaler', 'horizontalpodautoscalers', 'autoscaling', true, ['hpa'], 'horizontalpodautoscalers', ['status']), version: 'v2' },
  r('CustomResourceDefinition', 'customresourcedefinitions', 'apiextensions.k8s.io', false, ['crd', 'crds'], 'customresourcedefinitions', ['status']),
  r('Role', 'roles', 'rbac.authorization.k8s.io', true, [], 'roles', []),
  r('ClusterRole', 'clusterroles', 'rbac.authorization.k8s.io', false, [], 'clusterroles', []),
  r('RoleBinding', 'rolebindings', 'rbac.authorization.k8s.io', true, [], 'rolebindings', []),
  r('ClusterRoleBinding', 'clusterrolebindings', 'rbac.authorization.k8s.io', false, [], 'clusterrolebindings', []),
];

function r(
  kind: string,
  plural: string,
  group: string,
  namespaced: boolean,
  shortNames: string[],
  table: string,
  subresources: ResourceInfo['subresources'],
): ResourceInfo {
  return { kind, plural, singular: kind.toLowerCase(), group, version: 'v1', namespaced, shortNames, table, subresources };
}

/** A kind's identity: its group and kind (two CRDs may serve the same kind, or plural, in two groups). */
export function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}
/** The group of an apiVersion (`apps/v1` → `apps`, `v1` → ''). */
export function groupOf(apiVersion: string | undefined): string {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : apiVersion!.slice(0, slash);
}
/**
 * The token naming the resource in subjects (`<root>.res.<token>.<ns>.<name>`): the plural for
 * built-in kinds (as their streams always had it), the CRD's name encoded as a token for a CRD's
 * kind (`widgets.a.example.com` → `widgets_a_example_com`; a plural has no `_`, so it cannot clash).
 */
export function subjectToken(info: ResourceInfo): string {
  return info.subjectToken ?? info.plural;
}

const BUILT_IN = new Set(RESOURCES.map((x) => groupKindKey(x.group, x.kind)));
const builtInByPlural = new Map(RESOURCES.map((x) => [x.plural, x]));
const builtInByKind = new Map(RESOURCES.map((x) => [x.kind, x]));
const byGroupKind = new Map(RESOURCES.map((x) => [groupKindKey(x.group, x.kind), x]));
const byToken = new Map(RESOURCES.map((x) => [subjectToken(x), x]));
let changes = 0;

/** Rises with every registered or removed kind: callers that index the rows rebuild when it moves. */
export function registryGeneration(): number {
  return changes;
}

/** Every kind served now: the built-in ones, then those registered at run time. */
export function allResources(): readonly ResourceInfo[] {
  return [...byGroupKind.values()];
}

/**
 * Add a run-time kind's row (use registerKind). Throws if its group and kind, its subject token,
 * or its plural or a short name within its group is taken.
 */
export function addResource(info: ResourceInfo): void {
  const sameGroup = allResources().filter((x) => x.group === info.group);
  const taken = byGroupKind.has(groupKindKey(info.group, info.kind))
    ? info.kind
    : byToken.has(subjectToken(info))
      ? subjectToken(info)
      : [info.plural, ...info.shortNames].find((n) => sameGroup.some((x) => x.plural === n || x.shortNames.includes(n)));
  if (taken) throw new Error(`resource name "${taken}" is already served`);
  byGroupKind.set(groupKindKey(info.group, info.kind), info);
  byToken.set(subjectToken(info), info);
  changes++;
}

/** Remove a run-time kind's row; false for a built-in or unknown kind. */
export function removeResource(group: string, kind: string): boolean {
  const key = groupKindKey(group, kind);
  const info = byGroupKind.get(key);
  if (!info || BUILT_IN.has(key)) return false;
  byGroupKind.delete(key);
  byToken.delete(subjectToken(info));
  changes++;
  return true;
}

/** A built-in kind by plural, else the one kind defined at run time with that plural (undefined if several groups serve it). */
export function resourceByPlural(plural: string): ResourceInfo | undefined {
  return builtInByPlural.get(plural) ?? unique((x) => x.plural === plural);
}
/** A built-in kind by kind, else the one kind defined at run time of that name (undefined if several groups serve it). */
export function resourceByKind(kind: string): ResourceInfo | undefined {
  return builtInByKind.get(kind) ?? unique((x) => x.kind === kind);
}
export function resourceByGroupKind(group: string, kind: string): ResourceInfo | undefined {
  return byGroupKind.get(groupKindKey(group, kind));
}
/** The kind an object's apiVersion and kind name (any version of the group). */
export function resourceOf(apiVersion: string | undefined, kind: string): ResourceInfo | undefined {
  return resourceByGroupKind(groupOf(apiVersion), kind);
}
/** The kind whose objects live under this subject token. */
export function resourceBySubjectToken(token: string): ResourceInfo | undefined {
  return byToken.get(token);
}

/** The name a client addresses a resource by (`writer.resource(...)`): a built-in kind's plural, `<plural>.<group>` for a CRD's kind. */
export function resourceKey(info: ResourceInfo): string {
  return info.subjectToken ? `${info.plural}.${info.group}` : info.plural;
}
/** The resource a resourceKey names (a bare plural served by one group only is found too). */
export function resourceByKey(key: string): ResourceInfo | undefined {
  return builtInByPlural.get(key) ?? allResources().find((x) => x.subjectToken && `${x.plural}.${x.group}` === key) ?? resourceByPlural(key);
}

/** The one served row that matches (undefined for none or several). */
function unique(match: (x: ResourceInfo) => boolean): ResourceInfo | undefined {
  let found: ResourceInfo | undefined;
  for (const x of byGroupKind.values()) {
    if (!match(x)) continue;
    if (found) return undefined;
    found = x;
  }
  return found;
}
/** `v1` for the core group, `apps/v1` otherwise. */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
/** Resolve a user's word (kind, plural, singular or short name, any case) to a resource. */
export function resolveResource(word: string): ResourceInfo | undefined {
  return allResources().find(namedBy(word));
}

/** Whether a resource is the one a user's word names (see resolveResource). */
export function namedBy(word: string): (x: ResourceInfo) => boolean {
  const w = word.toLowerCase();
  return (x) => x.plural === w || x.singular === w || x.kind.toLowerCase() === w || x.shortNames.includes(w) || `${x.plural}.${x.group}` === w;
}
