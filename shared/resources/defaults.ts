/**
 * Kubernetes' defaulting (pkg/apis/{core,apps}/v1/defaults.go): the values the API server fills in
 * before validation, one function per kind for the kinds' strategies (kinds/), each working in
 * place on a fresh copy (strategy.ts applyDefaults makes it). They only add absent fields (never
 * write `undefined`), so defaulting an already defaulted object gives an equal object.
 */
import { cloneJson, isPlainObject } from './json.js';

type Obj = Record<string, unknown>;

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Kubernetes' alphabet for generated names: no vowels (no words) and no look-alikes (0/o, 1/l). */
export const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export const NAME_SUFFIX_LENGTH = 5;

/** `web-` + generateNameSuffix() → `web-x7k2p`. `random` is injectable for tests. */
export function generateNameSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) {
    const n = Math.min(NAME_SUFFIX_ALPHABET.length - 1, Math.floor(random() * NAME_SUFFIX_ALPHABET.length));
    s += NAME_SUFFIX_ALPHABET[Math.max(0, n)];
  }
  return s;
}

/** `Always` for `:latest` or an untagged image, `IfNotPresent` for a tag or a digest. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const lastColon = image.lastIndexOf(':');
  const tag = lastColon > lastSlash ? image.slice(lastColon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

// ---------------------------------------------------------------------------------------------
// Kinds

export function defaultPod(o: Obj): void {
  defaultPodSpec(objAt(o, 'spec'));
  defaultServiceAccount(objAt(o, 'spec'));
  setDefault(ensureObj(o, 'status'), 'phase', 'Pending');
}

export function defaultReplicaSet(o: Obj): void {
  const spec = objAt(o, 'spec');
  if (spec) setDefault(spec, 'replicas', 1);
  defaultPodSpec(objAt(objAt(spec, 'template'), 'spec'));
}

export function defaultDeployment(o: Obj): void {
  defaultDeploymentSpec(objAt(o, 'spec'));
}

export function defaultService(o: Obj): void {
  defaultServiceSpec(objAt(o, 'spec'));
}

export function defaultEndpoints(o: Obj): void {
  for (const subset of objects(o.subsets)) for (const p of objects(subset.ports)) setDefault(p, 'protocol', 'TCP');
}

export function defaultNamespace(o: Obj): void {
  setDefault(ensureObj(o, 'spec'), 'finalizers', ['kubernetes']);
  setDefault(ensureObj(o, 'status'), 'phase', 'Active');
}

export function defaultNode(o: Obj): void {
  const status = objAt(o, 'status');
  if (status && isPlainObject(status.capacity)) setDefault(status, 'allocatable', cloneJson(status.capacity));
}

export function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec) return;
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', DEFAULT_SCHEDULER_NAME);
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) defaultContainer(c);
  // A volume without a source is an emptyDir.
  for (const v of objects(spec.volumes)) if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
}

/**
 * A pod runs as its namespace's `default` ServiceAccount unless it names one (the ServiceAccount
 * admission plugin); `serviceAccount` is the deprecated spelling v1 keeps equal to it.
 */
function defaultServiceAccount(spec: Obj | undefined): void {
  if (!spec) return;
  const name = (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) || (typeof spec.serviceAccount === 'string' && spec.serviceAccount) || 'default';
  spec.serviceAccountName = name;
  spec.serviceAccount = name;
}

function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string' && c.image) setDefault(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  for (const p of objects(c.ports)) setDefault(p, 'protocol', 'TCP');
  for (const e of objects(c.env)) {
    const fieldRef = objAt(objAt(e, 'valueFrom'), 'fieldRef');
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(objAt(c, probe));
  // Requests default to limits for every resource that has only a limit.
  const resources = objAt(c, 'resources');
  const limits = objAt(resources, 'limits');
  if (resources && limits && Object.keys(limits).length > 0) {
    const requests = ensureObj(resources, 'requests');
    for (const [k, v] of Object.entries(limits)) setDefault(requests, k, v);
  }
}

function defaultProbe(p: Obj | undefined): void {
  if (!p) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  const httpGet = objAt(p, 'httpGet');
  if (httpGet) {
    setDefault(httpGet, 'path', '/');
    setDefault(httpGet, 'scheme', 'HTTP');
  }
}

function defaultDeploymentSpec(spec: Obj | undefined): void {
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObj(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  setDefault(spec, 'minReadySeconds', 0);
  defaultPodSpec(objAt(objAt(spec, 'template'), 'spec'));
}

function defaultServiceSpec(spec: Obj | undefined): void {
  if (!spec) return;
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'NodePort') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  for (const p of objects(spec.ports)) {
    setDefault(p, 'protocol', 'TCP');
    if (p.port !== undefined) setDefault(p, 'targetPort', p.port);
  }
}

/** Type Opaque; `stringData` is written into `data` (base64, stringData wins) and dropped. */
export function defaultSecret(o: Obj): void {
  setDefault(o, 'type', 'Opaque');
  const stringData = objAt(o, 'stringData');
  if (stringData === undefined) return;
  const data = ensureObj(o, 'data');
  for (const [k, v] of Object.entries(stringData)) {
    if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  }
  delete o.stringData;
}

// ---------------------------------------------------------------------------------------------
// Helpers over the (fresh, owned) copy

function setDefault(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

function objAt(o: Obj | undefined, key: string): Obj | undefined {
  const v = o?.[key];
  return isPlainObject(v) ? v : undefined;
}

/** The object at `key`, created when absent. A present non-object is left for validation to reject. */
function ensureObj(o: Obj, key: string): Obj {
  if (o[key] === undefined) o[key] = {};
  const v = o[key];
  return isPlainObject(v) ? v : {};
}

function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isPlainObject) : [];
}
