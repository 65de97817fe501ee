/**
 * Semantic validation of a PodSpec (Kubernetes' pkg/apis/core/validation ValidatePodSpec, the
 * parts jetkube runs) and of pod updates. Used for Pods (`spec`) and for the templates of
 * ReplicaSets and Deployments (`spec.template.spec`).
 */
import type { StatusCause } from '../errors.js';
import type {
  Container,
  ContainerPort,
  EnvVar,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  PodSpec,
  Probe,
  ResourceRequirements,
  Toleration,
} from './types.js';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalidValue,
  key,
  notSupported,
  required,
} from './field-errors.js';
import {
  configMapKeyErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  labelValueErrors,
  portNameErrors,
  portNumErrors,
  qualifiedNameErrors,
  validateLabels,
} from './names.js';
import { QUANTITY_FORMAT_MESSAGE, formatQuantity, tryParseQuantity } from './quantity.js';
import { deepEqual, isPlainObject } from './json.js';
import { validateVolumeDevices, validateVolumeMounts, validateVolumeSource } from './volume-validation.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const FIELD_REF_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
] as const;
const ENV_VAR_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export interface PodSpecContext {
  /** Set for the pod template of a ReplicaSet, Deployment or DaemonSet: restartPolicy must be Always. */
  readonly templateOf?: 'ReplicaSet' | 'Deployment' | 'DaemonSet' | 'StatefulSet';
}

const nonNegative = (field: string, v: unknown): StatusCause[] =>
  typeof v === 'number' && v < 0 ? [invalidValue(field, v, 'must be greater than or equal to 0')] : [];

const has = (s: string | undefined): s is string => typeof s === 'string' && s !== '';

/** Validate a PodSpec whose field path is `path` (`spec`, `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: string, ctx: PodSpecContext = {}): StatusCause[] {
  if (!isPlainObject(spec)) return [required(path)];
  const causes: StatusCause[] = [];
  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    const p = child(index(child(path, 'volumes'), i), 'name');
    if (!has(v?.name)) return void causes.push(required(p));
    for (const m of dns1123LabelErrors(v.name)) causes.push(invalidValue(p, v.name, m));
    if (volumeNames.has(v.name)) causes.push(duplicate(p, v.name));
    volumeNames.add(v.name);
    causes.push(...validateVolumeSource(v, index(child(path, 'volumes'), i)));
  });

  const containerNames = new Set<string>();
  const containers = spec.containers ?? [];
  if (containers.length === 0) causes.push(required(child(path, 'containers')));
  (spec.initContainers ?? []).forEach((c, i) =>
    causes.push(...validateContainer(c, index(child(path, 'initContainers'), i), { init: true, containerNames, volumeNames, gracePeriod: spec.terminationGracePeriodSeconds ?? 30 })),
  );
  containers.forEach((c, i) =>
    causes.push(...validateContainer(c, index(child(path, 'containers'), i), { init: false, containerNames, volumeNames, gracePeriod: spec.terminationGracePeriodSeconds ?? 30 })),
  );
  for (const [kind, list] of [['initContainers', spec.initContainers ?? []], ['containers', containers]] as const) {
    list.forEach((c, i) => causes.push(...validateVolumeDevices(c, spec.volumes ?? [], child(index(child(path, kind), i), 'volumeDevices'))));
  }

  if (ctx.templateOf) {
    if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
      causes.push(notSupported(child(path, 'restartPolicy'), spec.restartPolicy, ['Always']));
    }
    if (spec.activeDeadlineSeconds !== undefined) {
      causes.push(forbidden(child(path, 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${ctx.templateOf} is not Supported`));
    }
  } else if (spec.restartPolicy !== undefined && !(RESTART_POLICIES as readonly string[]).includes(spec.restartPolicy)) {
    causes.push(notSupported(child(path, 'restartPolicy'), spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy !== undefined && !(DNS_POLICIES as readonly string[]).includes(spec.dnsPolicy)) {
    causes.push(notSupported(child(path, 'dnsPolicy'), spec.dnsPolicy, DNS_POLICIES));
  }
  causes.push(...nonNegative(child(path, 'terminationGracePeriodSeconds'), spec.terminationGracePeriodSeconds));
  const ads = spec.activeDeadlineSeconds;
  if (!ctx.templateOf && typeof ads === 'number' && (ads < 1 || ads > 2147483647)) {
    causes.push(invalidValue(child(path, 'activeDeadlineSeconds'), ads, 'must be between 1 and 2147483647, inclusive'));
  }
  causes.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  for (const [f, errs] of [
    ['nodeName', dns1123SubdomainErrors],
    ['schedulerName', dns1123SubdomainErrors],
    ['serviceAccountName', dns1123SubdomainErrors],
    ['hostname', dns1123LabelErrors],
    ['subdomain', dns1123LabelErrors],
    ['priorityClassName', dns1123SubdomainErrors],
  ] as const) {
    const v = spec[f];
    if (has(v)) for (const m of errs(v)) causes.push(invalidValue(child(path, f), v, m));
  }
  causes.push(...validateNodeAffinity(spec, child(child(path, 'affinity'), 'nodeAffinity')));
  (spec.tolerations ?? []).forEach((t, i) => causes.push(...validateToleration(t, index(child(path, 'tolerations'), i))));
  return causes;
}

interface ContainerContext {
  readonly init: boolean;
  readonly containerNames: Set<string>;
  readonly volumeNames: ReadonlySet<string>;
  /** The pod's terminationGracePeriodSeconds (30 when unset): a sleep hook may not outlast it. */
  readonly gracePeriod: number;
}

function validateContainer(c: Container, path: string, ctx: ContainerContext): StatusCause[] {
  if (!isPlainObject(c)) return [invalidValue(path, c, 'must be an object')];
  const causes: StatusCause[] = [];
  const nameField = child(path, 'name');
  if (!has(c.name)) {
    causes.push(required(nameField));
  } else {
    for (const m of dns1123LabelErrors(c.name)) causes.push(invalidValue(nameField, c.name, m));
    if (ctx.containerNames.has(c.name)) causes.push(duplicate(nameField, c.name));
    ctx.containerNames.add(c.name);
  }
  if (!has(c.image)) causes.push(required(child(path, 'image')));
  else if (c.image.trim() !== c.image) {
    causes.push(invalidValue(child(path, 'image'), c.image, 'must not have leading or trailing whitespace'));
  }
  if (c.imagePullPolicy !== undefined && !(PULL_POLICIES as readonly string[]).includes(c.imagePullPolicy)) {
    causes.push(notSupported(child(path, 'imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES));
  }
  if (c.terminationMessagePolicy !== undefined && !(TERMINATION_MESSAGE_POLICIES as readonly string[]).includes(c.terminationMessagePolicy)) {
    causes.push(notSupported(child(path, 'terminationMessagePolicy'), c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
  }
  if (c.restartPolicy !== undefined) {
    if (!ctx.init) causes.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
    else if (c.restartPolicy !== 'Always') causes.push(notSupported(child(path, 'restartPolicy'), c.restartPolicy, ['Always']));
  }
  causes.push(...validateContainerPorts(c.ports ?? [], child(path, 'ports')));
  (c.env ?? []).forEach((e, i) => causes.push(...validateEnvVar(e, index(child(path, 'env'), i))));
  (c.envFrom ?? []).forEach((e, i) => {
    const p = index(child(path, 'envFrom'), i);
    const n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n === 0) causes.push(invalidValue(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (n > 1) causes.push(invalidValue(p, '', 'may not have more than one field specified at a time'));
    if (has(e.prefix) && !ENV_VAR_NAME_RE.test(e.prefix)) causes.push(invalidValue(child(p, 'prefix'), e.prefix, envVarNameMessage()));
  });
  causes.push(...validateResources(c.resources, child(path, 'resources')));
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const pr = c[probe];
    if (pr === undefined) continue;
    if (ctx.init && c.restartPolicy !== 'Always') {
      causes.push(forbidden(child(path, probe), 'may not be set for init containers without restartPolicy=Always'));
      continue;
    }
    causes.push(...validateProbe(pr, child(path, probe), probe !== 'readinessProbe'));
  }
  if (c.lifecycle !== undefined && c.lifecycle !== null) {
    if (ctx.init && c.restartPolicy !== 'Always') causes.push(forbidden(child(path, 'lifecycle'), 'may not be set for init containers without restartPolicy=Always'));
    else causes.push(...validateLifecycle(c.lifecycle as Lifecycle, child(path, 'lifecycle'), ctx.gracePeriod));
  }
  (c.volumeMounts ?? []).forEach((m, i) => {
    const p = index(child(path, 'volumeMounts'), i);
    if (!has(m.name)) causes.push(required(child(p, 'name')));
    else if (!ctx.volumeNames.has(m.name)) causes.push(invalidValue(child(p, 'name'), m.name, 'not found in the pod\'s volumes'));
    if (!has(m.mountPath)) causes.push(required(child(p, 'mountPath')));
  });
  causes.push(...validateVolumeMounts(c, child(path, 'volumeMounts')));
  return causes;
}

function validateContainerPorts(ports: readonly ContainerPort[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = index(path, i);
    if (has(p.name)) {
      for (const m of portNameErrors(p.name)) causes.push(invalidValue(child(at, 'name'), p.name, m));
      if (names.has(p.name)) causes.push(duplicate(child(at, 'name'), p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) causes.push(required(child(at, 'containerPort')));
    else for (const m of portNumErrors(p.containerPort)) causes.push(invalidValue(child(at, 'containerPort'), p.containerPort, m));
    if (p.hostPort !== undefined && p.hostPort !== 0) {
      for (const m of portNumErrors(p.hostPort)) causes.push(invalidValue(child(at, 'hostPort'), p.hostPort, m));
    }
    if (p.protocol !== undefined && !(PROTOCOLS as readonly string[]).includes(p.protocol)) {
      causes.push(notSupported(child(at, 'protocol'), p.protocol, PROTOCOLS));
    }
  });
  return causes;
}

function envVarNameMessage(): string {
  return "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
}

function validateEnvVar(e: EnvVar, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!has(e.name)) causes.push(required(child(path, 'name')));
  else if (!ENV_VAR_NAME_RE.test(e.name)) causes.push(invalidValue(child(path, 'name'), e.name, envVarNameMessage()));
  const from = e.valueFrom;
  if (from === undefined) return causes;
  const fp = child(path, 'valueFrom');
  const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((s) => from[s] !== undefined);
  if (sources.length === 0) {
    causes.push(invalidValue(fp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (sources.length > 1) {
    causes.push(invalidValue(fp, '', 'may not have more than one field specified at a time'));
  }
  if (has(e.value)) causes.push(invalidValue(fp, '', 'may not be specified when `value` is not empty'));
  for (const ref of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const r = from[ref];
    if (!r) continue;
    const kp = child(child(fp, ref), 'key');
    if (!has(r.key)) causes.push(required(kp));
    else for (const m of configMapKeyErrors(r.key)) causes.push(invalidValue(kp, r.key, m));
  }
  if (from.fieldRef) {
    const p = child(child(fp, 'fieldRef'), 'fieldPath');
    const fieldPath = from.fieldRef.fieldPath;
    if (!has(fieldPath)) causes.push(required(p));
    else if (!isSupportedFieldPath(fieldPath)) causes.push(notSupported(p, fieldPath, FIELD_REF_PATHS));
  }
  if (from.resourceFieldRef && !has(from.resourceFieldRef.resource)) {
    causes.push(required(child(child(fp, 'resourceFieldRef'), 'resource')));
  }
  return causes;
}

/** `metadata.labels['app']` and `metadata.annotations['x']` are accepted besides the fixed list. */
function isSupportedFieldPath(p: string): boolean {
  if ((FIELD_REF_PATHS as readonly string[]).includes(p)) return true;
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(p);
  return m !== null && qualifiedNameErrors(m[2]!.toLowerCase()).length === 0;
}

export function validateResources(r: ResourceRequirements | undefined, path: string): StatusCause[] {
  if (!r) return [];
  const causes: StatusCause[] = [];
  const parsed: Record<'requests' | 'limits', Map<string, number>> = { requests: new Map(), limits: new Map() };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(r[kind] ?? {})) {
      const p = key(child(path, kind), name);
      for (const m of resourceNameErrors(name)) causes.push(invalidValue(p, name, m));
      const v = tryParseQuantity(q);
      if (v === undefined) causes.push(invalidValue(p, q, QUANTITY_FORMAT_MESSAGE));
      else if (v < 0) causes.push(invalidValue(p, q, 'must be greater than or equal to 0'));
      else parsed[kind].set(name, v);
    }
  }
  for (const [name, req] of parsed.requests) {
    const lim = parsed.limits.get(name);
    if (lim !== undefined && req > lim) {
      causes.push(
        invalidValue(key(child(path, 'requests'), name), r.requests?.[name], `must be less than or equal to ${name} limit of ${formatQuantity(lim, name === 'cpu' ? 'DecimalSI' : 'BinarySI')}`),
      );
    }
  }
  return causes;
}

function resourceNameErrors(name: string): string[] {
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-')) return [];
  if (name.includes('/')) return qualifiedNameErrors(name);
  return ['must be a standard resource for containers'];
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

function validateProbe(p: Probe, path: string, mustSucceedOnce: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const handlers = PROBE_HANDLERS.filter((h) => p[h] !== undefined);
  if (handlers.length === 0) causes.push(required(path, 'must specify a handler type'));
  for (const h of handlers.slice(1)) causes.push(forbidden(child(path, h), 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    causes.push(...nonNegative(child(path, f), p[f]));
  }
  if (typeof p.terminationGracePeriodSeconds === 'number' && p.terminationGracePeriodSeconds <= 0) {
    causes.push(invalidValue(child(path, 'terminationGracePeriodSeconds'), p.terminationGracePeriodSeconds, 'must be greater than 0'));
  }
  if (mustSucceedOnce && typeof p.successThreshold === 'number' && p.successThreshold !== 1) {
    causes.push(invalidValue(child(path, 'successThreshold'), p.successThreshold, 'must be 1'));
  }
  if (p.exec && !(p.exec.command ?? []).length) causes.push(required(child(child(path, 'exec'), 'command')));
  if (p.httpGet) {
    causes.push(...validatePortNumOrName(p.httpGet.port, child(child(path, 'httpGet'), 'port')));
    const scheme = p.httpGet.scheme;
    if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') {
      causes.push(notSupported(child(child(path, 'httpGet'), 'scheme'), scheme, ['HTTP', 'HTTPS']));
    }
  }
  if (p.tcpSocket) causes.push(...validatePortNumOrName(p.tcpSocket.port, child(child(path, 'tcpSocket'), 'port')));
  if (p.grpc) {
    for (const m of portNumErrors(p.grpc.port)) causes.push(invalidValue(child(child(path, 'grpc'), 'port'), p.grpc.port, m));
  }
  return causes;
}

const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;
type Lifecycle = Partial<Record<'postStart' | 'preStop', Partial<Record<(typeof LIFECYCLE_HANDLERS)[number], any>>>>;

/** validateLifecycle: each hook has exactly one handler; a sleep lasts 1 s to the grace period. */
function validateLifecycle(lc: Lifecycle, path: string, gracePeriod: number): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const hook of ['postStart', 'preStop'] as const) {
    const h = lc[hook];
    if (h === undefined || h === null) continue;
    const p = child(path, hook);
    const handlers = LIFECYCLE_HANDLERS.filter((k) => h[k] !== undefined && h[k] !== null);
    if (handlers.length === 0) causes.push(required(p, 'must specify a handler type'));
    for (const k of handlers.slice(1)) causes.push(forbidden(child(p, k), 'may not specify more than 1 handler type'));
    if (h.exec && !(h.exec.command ?? []).length) causes.push(required(child(child(p, 'exec'), 'command')));
    if (h.httpGet) {
      causes.push(...validatePortNumOrName(h.httpGet.port, child(child(p, 'httpGet'), 'port')));
      const scheme = h.httpGet.scheme;
      if (scheme !== undefined && scheme !== 'HTTP' && scheme !== 'HTTPS') causes.push(notSupported(child(child(p, 'httpGet'), 'scheme'), scheme, ['HTTP', 'HTTPS']));
    }
    if (h.tcpSocket) causes.push(...validatePortNumOrName(h.tcpSocket.port, child(child(p, 'tcpSocket'), 'port')));
    if (h.sleep) {
      const secs = h.sleep.seconds;
      if (typeof secs !== 'number' || secs <= 0 || secs > gracePeriod) {
        causes.push(invalidValue(child(child(p, 'sleep'), 'seconds'), secs, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
      }
    }
  }
  return causes;
}

/** A port given as a number (1–65535) or as a container port's name (IANA_SVC_NAME). */
export function validatePortNumOrName(port: number | string | undefined, path: string): StatusCause[] {
  if (port === undefined || port === '' || port === 0) return [required(path)];
  const errs = typeof port === 'number' ? portNumErrors(port) : portNameErrors(port);
  return errs.map((m) => invalidValue(path, port, m));
}

function validateNodeAffinity(spec: PodSpec, path: string): StatusCause[] {
  const na = spec.affinity?.nodeAffinity;
  if (!na) return [];
  const causes: StatusCause[] = [];
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (req) {
    const p = child(child(path, 'requiredDuringSchedulingIgnoredDuringExecution'), 'nodeSelectorTerms');
    const terms = req.nodeSelectorTerms ?? [];
    if (terms.length === 0) causes.push(required(p, 'must have at least one node selector term'));
    terms.forEach((t, i) => causes.push(...validateNodeSelectorTerm(t, index(p, i))));
  }
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
    const p = index(child(path, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
    if (typeof t.weight !== 'number' || t.weight < 1 || t.weight > 100) {
      causes.push(invalidValue(child(p, 'weight'), t.weight, 'must be in the range 1-100'));
    }
    causes.push(...validateNodeSelectorTerm(t.preference ?? {}, child(p, 'preference')));
  });
  return causes;
}

export function validateNodeSelectorTerm(t: NodeSelectorTerm, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (t.matchExpressions ?? []).forEach((e, i) => causes.push(...validateNodeSelectorRequirement(e, index(child(path, 'matchExpressions'), i), false)));
  (t.matchFields ?? []).forEach((e, i) => causes.push(...validateNodeSelectorRequirement(e, index(child(path, 'matchFields'), i), true)));
  return causes;
}

function validateNodeSelectorRequirement(e: NodeSelectorRequirement, path: string, isField: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const values = e.values ?? [];
  const vp = child(path, 'values');
  switch (e.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) causes.push(required(vp, "must be specified when `operator` is 'In' or 'NotIn'"));
      if (isField && values.length > 1) causes.push(invalidValue(vp, values, 'must have one element'));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) causes.push(forbidden(vp, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) causes.push(required(vp, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v)) causes.push(invalidValue(index(vp, i), v, 'must be an integer'));
      });
      break;
    default:
      causes.push(notSupported(child(path, 'operator'), e.operator, NODE_SELECTOR_OPERATORS));
  }
  const kp = child(path, 'key');
  if (isField) {
    if (e.key !== 'metadata.name') causes.push(notSupported(kp, e.key, ['metadata.name']));
  } else {
    for (const m of qualifiedNameErrors(e.key ?? '')) causes.push(invalidValue(kp, e.key, m));
  }
  return causes;
}

function validateToleration(t: Toleration, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (has(t.key)) for (const m of qualifiedNameErrors(t.key)) causes.push(invalidValue(child(path, 'key'), t.key, m));
  const op = t.operator ?? 'Equal';
  if (!has(t.key) && op !== 'Exists') {
    causes.push(invalidValue(child(path, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  }
  switch (op) {
    case 'Equal':
      if (has(t.value)) for (const m of labelValueErrors(t.value)) causes.push(invalidValue(child(path, 'value'), t.value, m));
      break;
    case 'Exists':
      if (has(t.value)) causes.push(invalidValue(child(path, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
      break;
    default:
      causes.push(notSupported(child(path, 'operator'), op, TOLERATION_OPERATORS));
  }
  if (has(t.effect) && !(TAINT_EFFECTS as readonly string[]).includes(t.effect)) {
    causes.push(notSupported(child(path, 'effect'), t.effect, TAINT_EFFECTS));
  }
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    causes.push(invalidValue(child(path, 'effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Updates

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)';

/**
 * ValidatePodUpdate: a pod's spec is immutable except container images, activeDeadlineSeconds
 * (set or lowered) and tolerations (additions). `spec.nodeName` is set only through the
 * pods/binding subresource, so any change to it in an update is forbidden.
 */
export function validatePodSpecUpdate(spec: PodSpec, old: PodSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  if ((spec.nodeName ?? '') !== (old.nodeName ?? '')) {
    causes.push(forbidden('spec.nodeName', 'may not be changed in an update; a pod is assigned to a node through the pods/binding subresource'));
  }
  const ads = spec.activeDeadlineSeconds;
  const oldAds = old.activeDeadlineSeconds;
  if (oldAds !== undefined) {
    if (ads === undefined) {
      causes.push(invalidValue('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    } else if (ads > oldAds) {
      causes.push(invalidValue('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
    }
  }
  const tolerations = spec.tolerations ?? [];
  if (!(old.tolerations ?? []).every((t) => tolerations.some((n) => deepEqual(n, t)))) {
    causes.push(forbidden('spec.tolerations', 'existing tolerations may not be removed or changed; only additions are allowed'));
  }
  // Everything else must be equal once the mutable fields are taken from the new spec.
  const withImages = (olds: readonly Container[] | undefined, news: readonly Container[] | undefined): readonly Container[] | undefined =>
    olds && news && olds.length === news.length ? olds.map((c, i) => ({ ...c, image: news[i]!.image })) : olds;
  const normalized: PodSpec = {
    ...old,
    containers: withImages(old.containers, spec.containers) ?? old.containers,
    initContainers: withImages(old.initContainers, spec.initContainers),
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    tolerations: spec.tolerations,
    nodeName: spec.nodeName,
  };
  if (!deepEqual(normalized, spec)) causes.push(forbidden('spec', POD_UPDATE_MESSAGE));
  return causes;
}
