/**
 * JSON Schemas (draft-07 subset, for ajv) of the 11 kinds: the structural half of validation.
 * They check types and name every known field; semantic rules live in validation.ts.
 *
 * Conventions:
 * - `obj(...)` is closed (`additionalProperties: false`): any other field is unknown and is
 *   reported or dropped according to the request's fieldValidation.
 * - `open(...)` types the listed fields but accepts others (status subtrees, where jetkube only
 *   reads a few fields and `kubectl get -o yaml` output must round-trip).
 * - `map(...)` is a string-keyed map (labels, data, resource lists).
 * - `LOOSE` is any object: the parts of the Pod API jetkube stores but does not interpret.
 * Nulls are stripped before validation (Kubernetes treats `field: null` as unset).
 */

import { openApiSchemaFor } from './openapi-schema.js';

export interface SchemaNode {
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly $ref?: string;
  readonly definitions?: Readonly<Record<string, SchemaNode>>;
}
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

const STR: SchemaNode = { type: 'string' };
const INT: SchemaNode = { type: 'integer' };
const BOOL: SchemaNode = { type: 'boolean' };
const INT_OR_STRING: SchemaNode = { type: ['integer', 'string'] };
const QUANTITY: SchemaNode = { type: ['string', 'number'] };
const LOOSE: SchemaNode = { type: 'object' };

const obj = (properties: Record<string, SchemaNode>, required?: readonly string[]): SchemaNode => ({
  type: 'object',
  properties,
  additionalProperties: false,
  ...(required ? { required } : {}),
});
const open = (properties: Record<string, SchemaNode>): SchemaNode => ({ type: 'object', properties, additionalProperties: true });
const map = (values: SchemaNode): SchemaNode => ({ type: 'object', additionalProperties: values });
const arr = (items: SchemaNode): SchemaNode => ({ type: 'array', items });
const ref = (name: keyof typeof DEFINITIONS): SchemaNode => ({ $ref: `#/definitions/${name}` });

const STRINGS = arr(STR);
const STRING_MAP = map(STR);
const RESOURCE_LIST = map(QUANTITY);
const TIME = STR;

// ---------------------------------------------------------------------------------------------
// Shared definitions

const ObjectMeta = obj({
  name: STR,
  generateName: STR,
  namespace: STR,
  uid: STR,
  resourceVersion: STR,
  generation: INT,
  creationTimestamp: TIME,
  deletionTimestamp: TIME,
  deletionGracePeriodSeconds: INT,
  labels: STRING_MAP,
  annotations: STRING_MAP,
  ownerReferences: arr(
    obj({ apiVersion: STR, kind: STR, name: STR, uid: STR, controller: BOOL, blockOwnerDeletion: BOOL }),
  ),
  finalizers: STRINGS,
  managedFields: arr(LOOSE),
  selfLink: STR,
});

const LabelSelector = obj({
  matchLabels: STRING_MAP,
  matchExpressions: arr(obj({ key: STR, operator: STR, values: STRINGS })),
});

const ObjectReference = obj({
  kind: STR,
  namespace: STR,
  name: STR,
  uid: STR,
  apiVersion: STR,
  resourceVersion: STR,
  fieldPath: STR,
});

const KeySelector = obj({ name: STR, key: STR, optional: BOOL });
const EnvVar = obj({
  name: STR,
  value: STR,
  valueFrom: obj({
    configMapKeyRef: KeySelector,
    secretKeyRef: KeySelector,
    fieldRef: obj({ apiVersion: STR, fieldPath: STR }),
    resourceFieldRef: obj({ containerName: STR, resource: STR, divisor: QUANTITY }),
  }),
});
const EnvFromSource = obj({
  prefix: STR,
  configMapRef: obj({ name: STR, optional: BOOL }),
  secretRef: obj({ name: STR, optional: BOOL }),
});
const ContainerPort = obj({ name: STR, containerPort: INT, hostPort: INT, hostIP: STR, protocol: STR });
const PodAffinityTerm = obj({
  labelSelector: LabelSelector,
  namespaces: STRINGS,
  topologyKey: STR,
  namespaceSelector: LabelSelector,
  matchLabelKeys: STRINGS,
  mismatchLabelKeys: STRINGS,
});
const PodAffinity = obj({
  requiredDuringSchedulingIgnoredDuringExecution: arr(PodAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: arr(obj({ weight: INT, podAffinityTerm: PodAffinityTerm })),
});
const TopologySpreadConstraint = obj({
  maxSkew: INT,
  topologyKey: STR,
  whenUnsatisfiable: STR,
  labelSelector: LabelSelector,
  minDomains: INT,
  nodeAffinityPolicy: STR,
  nodeTaintsPolicy: STR,
  matchLabelKeys: STRINGS,
});
const ResourceRequirements = obj({ requests: RESOURCE_LIST, limits: RESOURCE_LIST, claims: arr(LOOSE) });

const Probe = obj({
  exec: obj({ command: STRINGS }),
  httpGet: obj({
    path: STR,
    port: INT_OR_STRING,
    host: STR,
    scheme: STR,
    httpHeaders: arr(obj({ name: STR, value: STR })),
  }),
  tcpSocket: obj({ port: INT_OR_STRING, host: STR }),
  grpc: obj({ port: INT, service: STR }),
  initialDelaySeconds: INT,
  timeoutSeconds: INT,
  periodSeconds: INT,
  successThreshold: INT,
  failureThreshold: INT,
  terminationGracePeriodSeconds: INT,
});

const VolumeMount = obj({
  name: STR,
  mountPath: STR,
  readOnly: BOOL,
  subPath: STR,
  subPathExpr: STR,
  mountPropagation: STR,
  recursiveReadOnly: STR,
});

const Container = obj({
  name: STR,
  image: STR,
  command: STRINGS,
  args: STRINGS,
  workingDir: STR,
  env: arr(EnvVar),
  envFrom: arr(EnvFromSource),
  ports: arr(ContainerPort),
  resources: ResourceRequirements,
  livenessProbe: Probe,
  readinessProbe: Probe,
  startupProbe: Probe,
  lifecycle: LOOSE,
  imagePullPolicy: STR,
  securityContext: LOOSE,
  volumeMounts: arr(VolumeMount),
  volumeDevices: arr(LOOSE),
  terminationMessagePath: STR,
  terminationMessagePolicy: STR,
  stdin: BOOL,
  stdinOnce: BOOL,
  tty: BOOL,
  resizePolicy: arr(LOOSE),
  restartPolicy: STR,
});

const NodeSelectorRequirement = obj({ key: STR, operator: STR, values: STRINGS });
const NodeSelectorTerm = obj({ matchExpressions: arr(NodeSelectorRequirement), matchFields: arr(NodeSelectorRequirement) });

const PodSpec = obj({
  containers: arr(ref('Container')),
  initContainers: arr(ref('Container')),
  ephemeralContainers: arr(LOOSE),
  restartPolicy: STR,
  terminationGracePeriodSeconds: INT,
  activeDeadlineSeconds: INT,
  dnsPolicy: STR,
  dnsConfig: LOOSE,
  nodeSelector: STRING_MAP,
  nodeName: STR,
  serviceAccountName: STR,
  serviceAccount: STR,
  automountServiceAccountToken: BOOL,
  hostNetwork: BOOL,
  hostPID: BOOL,
  hostIPC: BOOL,
  shareProcessNamespace: BOOL,
  securityContext: LOOSE,
  imagePullSecrets: arr(LOOSE),
  hostname: STR,
  subdomain: STR,
  affinity: obj({
    nodeAffinity: obj({
      requiredDuringSchedulingIgnoredDuringExecution: obj({ nodeSelectorTerms: arr(NodeSelectorTerm) }),
      preferredDuringSchedulingIgnoredDuringExecution: arr(obj({ weight: INT, preference: NodeSelectorTerm })),
    }),
    podAffinity: PodAffinity,
    podAntiAffinity: PodAffinity,
  }),
  schedulerName: STR,
  tolerations: arr(obj({ key: STR, operator: STR, value: STR, effect: STR, tolerationSeconds: INT })),
  hostAliases: arr(LOOSE),
  priorityClassName: STR,
  priority: INT,
  preemptionPolicy: STR,
  readinessGates: arr(LOOSE),
  runtimeClassName: STR,
  enableServiceLinks: BOOL,
  overhead: RESOURCE_LIST,
  topologySpreadConstraints: arr(TopologySpreadConstraint),
  setHostnameAsFQDN: BOOL,
  os: LOOSE,
  hostUsers: BOOL,
  schedulingGates: arr(obj({ name: STR })),
  resourceClaims: arr(LOOSE),
  resources: ResourceRequirements,
  volumes: arr(open({ name: STR })),
});

const ContainerState = open({
  waiting: open({ reason: STR, message: STR }),
  running: open({ startedAt: TIME }),
  terminated: open({ exitCode: INT, signal: INT, reason: STR, message: STR, startedAt: TIME, finishedAt: TIME, containerID: STR }),
});
const ContainerStatus = open({
  name: STR,
  state: ContainerState,
  lastState: ContainerState,
  ready: BOOL,
  restartCount: INT,
  image: STR,
  imageID: STR,
  containerID: STR,
  started: BOOL,
});
const Condition = open({ type: STR, status: STR, reason: STR, message: STR });

const PodStatus = open({
  phase: STR,
  conditions: arr(Condition),
  message: STR,
  reason: STR,
  nominatedNodeName: STR,
  hostIP: STR,
  hostIPs: arr(open({ ip: STR })),
  podIP: STR,
  podIPs: arr(open({ ip: STR })),
  startTime: TIME,
  initContainerStatuses: arr(ContainerStatus),
  containerStatuses: arr(ContainerStatus),
  qosClass: STR,
});

const PodTemplateSpec = obj({ metadata: ref('ObjectMeta'), spec: ref('PodSpec') });

export const DEFINITIONS = {
  ObjectMeta,
  LabelSelector,
  ObjectReference,
  Container,
  PodSpec,
  PodTemplateSpec,
} as const;

// ---------------------------------------------------------------------------------------------
// Kinds

/** The fields of one kind besides apiVersion/kind/metadata. */
const KIND_FIELDS: Readonly<Record<string, Record<string, SchemaNode>>> = {
  Namespace: {
    spec: obj({ finalizers: STRINGS }),
    status: open({ phase: STR, conditions: arr(Condition) }),
  },
  Node: {
    spec: obj({
      podCIDR: STR,
      podCIDRs: STRINGS,
      providerID: STR,
      unschedulable: BOOL,
      taints: arr(obj({ key: STR, value: STR, effect: STR, timeAdded: TIME })),
      configSource: LOOSE,
      externalID: STR,
    }),
    status: open({
      capacity: RESOURCE_LIST,
      allocatable: RESOURCE_LIST,
      phase: STR,
      conditions: arr(Condition),
      addresses: arr(open({ type: STR, address: STR })),
      daemonEndpoints: LOOSE,
      nodeInfo: LOOSE,
      images: arr(LOOSE),
    }),
  },
  Pod: {
    spec: ref('PodSpec'),
    status: PodStatus,
  },
  Service: {
    spec: obj({
      type: STR,
      ports: arr(obj({ name: STR, protocol: STR, appProtocol: STR, port: INT, targetPort: INT_OR_STRING, nodePort: INT })),
      selector: STRING_MAP,
      clusterIP: STR,
      clusterIPs: STRINGS,
      externalIPs: STRINGS,
      externalName: STR,
      sessionAffinity: STR,
      sessionAffinityConfig: LOOSE,
      externalTrafficPolicy: STR,
      internalTrafficPolicy: STR,
      healthCheckNodePort: INT,
      publishNotReadyAddresses: BOOL,
      ipFamilies: STRINGS,
      ipFamilyPolicy: STR,
      loadBalancerIP: STR,
      loadBalancerSourceRanges: STRINGS,
      loadBalancerClass: STR,
      allocateLoadBalancerNodePorts: BOOL,
      trafficDistribution: STR,
    }),
    status: open({ loadBalancer: LOOSE, conditions: arr(Condition) }),
  },
  Endpoints: {
    subsets: arr(
      obj({
        addresses: arr(obj({ ip: STR, hostname: STR, nodeName: STR, targetRef: ref('ObjectReference') })),
        notReadyAddresses: arr(obj({ ip: STR, hostname: STR, nodeName: STR, targetRef: ref('ObjectReference') })),
        ports: arr(obj({ name: STR, port: INT, protocol: STR, appProtocol: STR })),
      }),
    ),
  },
  ConfigMap: {
    data: STRING_MAP,
    binaryData: STRING_MAP,
    immutable: BOOL,
  },
  Secret: {
    data: STRING_MAP,
    stringData: STRING_MAP,
    type: STR,
    immutable: BOOL,
  },
  Event: {
    involvedObject: ref('ObjectReference'),
    reason: STR,
    message: STR,
    type: STR,
    count: INT,
    firstTimestamp: TIME,
    lastTimestamp: TIME,
    eventTime: TIME,
    source: obj({ component: STR, host: STR }),
    reportingComponent: STR,
    reportingInstance: STR,
    action: STR,
    related: ref('ObjectReference'),
    series: LOOSE,
  },
  ReplicaSet: {
    spec: obj({
      replicas: INT,
      minReadySeconds: INT,
      selector: ref('LabelSelector'),
      template: ref('PodTemplateSpec'),
    }),
    status: open({
      replicas: INT,
      fullyLabeledReplicas: INT,
      readyReplicas: INT,
      availableReplicas: INT,
      terminatingReplicas: INT,
      observedGeneration: INT,
      conditions: arr(Condition),
    }),
  },
  Deployment: {
    spec: obj({
      replicas: INT,
      selector: ref('LabelSelector'),
      template: ref('PodTemplateSpec'),
      strategy: obj({
        type: STR,
        rollingUpdate: obj({ maxSurge: INT_OR_STRING, maxUnavailable: INT_OR_STRING }),
      }),
      minReadySeconds: INT,
      revisionHistoryLimit: INT,
      paused: BOOL,
      progressDeadlineSeconds: INT,
    }),
    status: open({
      observedGeneration: INT,
      replicas: INT,
      updatedReplicas: INT,
      readyReplicas: INT,
      availableReplicas: INT,
      unavailableReplicas: INT,
      terminatingReplicas: INT,
      conditions: arr(Condition),
      collisionCount: INT,
    }),
  },
  Lease: {
    spec: obj({
      holderIdentity: STR,
      leaseDurationSeconds: INT,
      acquireTime: TIME,
      renewTime: TIME,
      leaseTransitions: INT,
      preferredHolder: STR,
      strategy: STR,
    }),
  },
};

/**
 * The root schema of a kind: the hand-written one above, else one made from Kubernetes' OpenAPI
 * definition of the kind (openapi-schema.ts: a new kind needs no schema of its own here), else an
 * open root (apiVersion/kind/metadata checked, anything else accepted).
 */
export function schemaFor(kind: string, group = '', version = 'v1'): SchemaNode {
  const fields = Object.prototype.hasOwnProperty.call(KIND_FIELDS, kind) ? KIND_FIELDS[kind] : undefined;
  const root = { apiVersion: STR, kind: STR, metadata: ref('ObjectMeta') };
  if (fields) return { ...obj({ ...root, ...fields }, ['apiVersion', 'kind', 'metadata']), definitions: DEFINITIONS };
  return openApiSchemaFor(group, version, kind) ?? { ...open(root), required: ['apiVersion', 'kind', 'metadata'], definitions: DEFINITIONS };
}
