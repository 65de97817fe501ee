/**
 * What each stream-reading component reads from the log (issue 16 item 5): the ONE table the
 * NATS permissions (config.ts) and the informers' own check (EventLog's read scope, enforced when
 * an Informer is made) are both derived from. A resource here is the plural token of its subjects
 * (`<prefix>.res.<plural>.<namespace>.<name>`, eventlog/subjects.ts), as the informers name it.
 *
 * Read from the code (every `informer('...')` and `new Informer` of the component):
 *  - controller-manager: `all`. Its garbage collector and namespace controller follow every kind,
 *    custom resources included (their plurals are only known at run time, from the CRDs), and its
 *    token and root-CA controllers read Secrets and ConfigMaps, as Kubernetes' does. It keeps the
 *    wide read scope (and its compaction check counts with an unfiltered consumer).
 *  - scheduler: pods, nodes, volume binding (claims, volumes, classes), namespaces (affinity's
 *    namespaceSelector), and services, replica sets, stateful sets (default spreading).
 *  - kubelet: its pods, services (the service-link variables), claims and volumes
 *    (persistentVolumeClaim volumes). Not Secrets nor ConfigMaps: those it gets through the gateway
 *    with its node credential (the Node authorizer: only what its pods reference), and it holds no
 *    encryption key (services/kubelet/pod-config.ts).
 *  - proxy: services and endpoints.
 *  - dns: services, endpoints, pods (pod A records, hostname/subdomain), namespaces.
 *  - ingress: ingresses, ingress classes, services, endpoints, and Secrets (TLS certificates), like
 *    an ingress controller granted RBAC to read Secrets: it keeps the encryption key.
 *
 * The gateway (the only writer) and the projector (its durable consumer) have their own roles in
 * config.ts. There is no general "reader" any more: jkctl and kubectl go through the gateway, and
 * replay is the projector's.
 */

export const STREAM_READERS = {
  'controller-manager': 'all',
  scheduler: ['pods', 'nodes', 'persistentvolumeclaims', 'persistentvolumes', 'storageclasses', 'namespaces', 'services', 'replicasets', 'statefulsets'],
  kubelet: ['pods', 'services', 'persistentvolumeclaims', 'persistentvolumes'],
  proxy: ['services', 'endpoints'],
  dns: ['services', 'endpoints', 'pods', 'namespaces'],
  ingress: ['ingresses', 'ingressclasses', 'services', 'endpoints', 'secrets'],
} as const satisfies Record<string, 'all' | readonly string[]>;

export type ReaderComponent = keyof typeof STREAM_READERS;
export const READER_COMPONENTS = Object.keys(STREAM_READERS) as ReaderComponent[];

/** What a log connection may read: every resource, or these plurals. */
export type ReadScope = 'all' | readonly string[];

export function isReaderComponent(name: string): name is ReaderComponent {
  return Object.hasOwn(STREAM_READERS, name);
}

/** The read scope of a component (undefined for a name that is not in the table). */
export function readScopeOf(name: string): ReadScope | undefined {
  return isReaderComponent(name) ? STREAM_READERS[name] : undefined;
}

/** Whether `scope` (undefined: not limited) covers `plural`. */
export function scopeAllows(scope: ReadScope | undefined, plural: string): boolean {
  return scope === undefined || scope === 'all' || scope.includes(plural);
}

/** The error a component gets for an informer outside its row: a bug to fix in the table or the code. */
export class ReadScopeError extends Error {
  constructor(readonly plural: string, readonly scope: readonly string[]) {
    super(`this component may not read ${plural} from the stream (it reads ${scope.join(', ')}: shared/nats-lock/reads.ts)`);
    this.name = 'ReadScopeError';
  }
}

/** Throw ReadScopeError unless `scope` covers `plural`. */
export function assertReads(scope: ReadScope | undefined, plural: string): void {
  if (!scopeAllows(scope, plural)) throw new ReadScopeError(plural, scope as readonly string[]);
}
