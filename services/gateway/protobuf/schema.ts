/**
 * The protobuf messages jetkube decodes, written from the field numbers of k8s.io/api
 * (core/v1, apps/v1) and k8s.io/apimachinery (meta/v1, runtime, intstr, resource).
 *
 * One row per field: `[field number, type, how Go's JSON encoder writes it]`.
 * - type: a scalar (`string`, `bool`, `int32`, `int64`, `bytes`), a message of this table, one of
 *   the well-known Kubernetes wrappers (`Time`, `Quantity`, `IntOrString`, `FieldsV1`), `[]T` for
 *   repeated, `map<string,T>` for maps.
 * - mode: `ptr` (a Go pointer: written when set, even when zero), `omit` (`omitempty`: written when
 *   not zero), `req` (no `omitempty`: always written), `inline` (an embedded struct whose fields
 *   join the parent's). Structs that are not pointers are always written, as Go does.
 * - `unsupported`: a field whose message is not defined here; a body that sets it is answered 415
 *   rather than having the field dropped.
 *
 * Every message lists all of its upstream fields, so nothing a client sends is lost silently.
 */

export type Mode = 'omit' | 'req' | 'ptr' | 'inline';
export type FieldRow = readonly [id: number, type: string, mode: Mode, unsupported?: 'unsupported'];
export type MessageTable = Readonly<Record<string, Readonly<Record<string, FieldRow>>>>;

/** The Kubernetes wrappers with their own JSON form, and their wire fields. */
export const WRAPPERS: MessageTable = {
  // metav1.Time / MicroTime: a google.protobuf.Timestamp; JSON is RFC 3339 (seconds / microseconds), zero is null.
  Time: { seconds: [1, 'int64', 'omit'], nanos: [2, 'int32', 'omit'] },
  MicroTime: { seconds: [1, 'int64', 'omit'], nanos: [2, 'int32', 'omit'] },
  // resource.Quantity: its canonical string.
  Quantity: { string: [1, 'string', 'omit'] },
  // intstr.IntOrString: type 0 is intVal, 1 is strVal.
  IntOrString: { type: [1, 'int64', 'omit'], intVal: [2, 'int32', 'omit'], strVal: [3, 'string', 'omit'] },
  // metav1.FieldsV1: raw JSON.
  FieldsV1: { Raw: [1, 'bytes', 'omit'] },
};

/** runtime.Unknown, the envelope after the `k8s\0` magic, and its runtime.TypeMeta. */
export const ENVELOPE: MessageTable = {
  Unknown: { typeMeta: [1, 'TypeMeta', 'omit'], raw: [2, 'bytes', 'omit'], contentEncoding: [3, 'string', 'omit'], contentType: [4, 'string', 'omit'] },
  TypeMeta: { apiVersion: [1, 'string', 'omit'], kind: [2, 'string', 'omit'] },
};

export const MESSAGES: MessageTable = {
  ObjectMeta: {
    name: [1, 'string', 'omit'],
    generateName: [2, 'string', 'omit'],
    namespace: [3, 'string', 'omit'],
    selfLink: [4, 'string', 'omit'],
    uid: [5, 'string', 'omit'],
    resourceVersion: [6, 'string', 'omit'],
    generation: [7, 'int64', 'omit'],
    creationTimestamp: [8, 'Time', 'omit'],
    deletionTimestamp: [9, 'Time', 'ptr'],
    deletionGracePeriodSeconds: [10, 'int64', 'ptr'],
    labels: [11, 'map<string,string>', 'omit'],
    annotations: [12, 'map<string,string>', 'omit'],
    ownerReferences: [13, '[]OwnerReference', 'omit'],
    finalizers: [14, '[]string', 'omit'],
    managedFields: [17, '[]ManagedFieldsEntry', 'omit'],
  },
  OwnerReference: {
    apiVersion: [5, 'string', 'req'],
    kind: [1, 'string', 'req'],
    name: [3, 'string', 'req'],
    uid: [4, 'string', 'req'],
    controller: [6, 'bool', 'ptr'],
    blockOwnerDeletion: [7, 'bool', 'ptr'],
  },
  ManagedFieldsEntry: {
    manager: [1, 'string', 'omit'],
    operation: [2, 'string', 'omit'],
    apiVersion: [3, 'string', 'omit'],
    time: [4, 'Time', 'ptr'],
    fieldsType: [6, 'string', 'omit'],
    fieldsV1: [7, 'FieldsV1', 'ptr'],
    subresource: [8, 'string', 'omit'],
  },
  LabelSelector: {
    matchLabels: [1, 'map<string,string>', 'omit'],
    matchExpressions: [2, '[]LabelSelectorRequirement', 'omit'],
  },
  LabelSelectorRequirement: {
    key: [1, 'string', 'req'],
    operator: [2, 'string', 'req'],
    values: [3, '[]string', 'omit'],
  },
  Condition: {
    type: [1, 'string', 'req'],
    status: [2, 'string', 'req'],
    observedGeneration: [3, 'int64', 'omit'],
    lastTransitionTime: [4, 'Time', 'req'],
    reason: [5, 'string', 'req'],
    message: [6, 'string', 'req'],
  },
  DeleteOptions: {
    gracePeriodSeconds: [1, 'int64', 'ptr'],
    preconditions: [2, 'Preconditions', 'ptr'],
    orphanDependents: [3, 'bool', 'ptr'],
    propagationPolicy: [4, 'string', 'ptr'],
    dryRun: [5, '[]string', 'omit'],
    ignoreStoreReadErrorWithClusterBreakingPotential: [6, 'bool', 'ptr'],
  },
  Preconditions: {
    uid: [1, 'string', 'ptr'],
    resourceVersion: [2, 'string', 'ptr'],
  },
  Namespace: {
    metadata: [1, 'ObjectMeta', 'omit'],
    spec: [2, 'NamespaceSpec', 'omit'],
    status: [3, 'NamespaceStatus', 'omit'],
  },
  NamespaceSpec: {
    finalizers: [1, '[]string', 'omit'],
  },
  NamespaceStatus: {
    phase: [1, 'string', 'omit'],
    conditions: [2, '[]NamespaceCondition', 'omit'],
  },
  NamespaceCondition: {
    type: [1, 'string', 'req'],
    status: [2, 'string', 'req'],
    lastTransitionTime: [4, 'Time', 'omit'],
    reason: [5, 'string', 'omit'],
    message: [6, 'string', 'omit'],
  },
  ConfigMap: {
    metadata: [1, 'ObjectMeta', 'omit'],
    immutable: [4, 'bool', 'ptr'],
    data: [2, 'map<string,string>', 'omit'],
    binaryData: [3, 'map<string,bytes>', 'omit'],
  },
  Secret: {
    metadata: [1, 'ObjectMeta', 'omit'],
    immutable: [5, 'bool', 'ptr'],
    data: [2, 'map<string,bytes>', 'omit'],
    stringData: [4, 'map<string,string>', 'omit'],
    type: [3, 'string', 'omit'],
  },
  Service: {
    metadata: [1, 'ObjectMeta', 'omit'],
    spec: [2, 'ServiceSpec', 'omit'],
    status: [3, 'ServiceStatus', 'omit'],
  },
  ServiceSpec: {
    ports: [1, '[]ServicePort', 'omit'],
    selector: [2, 'map<string,string>', 'omit'],
    clusterIP: [3, 'string', 'omit'],
    clusterIPs: [18, '[]string', 'omit'],
    type: [4, 'string', 'omit'],
    externalIPs: [5, '[]string', 'omit'],
    sessionAffinity: [7, 'string', 'omit'],
    loadBalancerIP: [8, 'string', 'omit'],
    loadBalancerSourceRanges: [9, '[]string', 'omit'],
    externalName: [10, 'string', 'omit'],
    externalTrafficPolicy: [11, 'string', 'omit'],
    healthCheckNodePort: [12, 'int32', 'omit'],
    publishNotReadyAddresses: [13, 'bool', 'omit'],
    sessionAffinityConfig: [14, 'SessionAffinityConfig', 'ptr'],
    ipFamilies: [19, '[]string', 'omit'],
    ipFamilyPolicy: [17, 'string', 'ptr'],
    allocateLoadBalancerNodePorts: [20, 'bool', 'ptr'],
    loadBalancerClass: [21, 'string', 'ptr'],
    internalTrafficPolicy: [22, 'string', 'ptr'],
    trafficDistribution: [23, 'string', 'ptr'],
  },
  ServicePort: {
    name: [1, 'string', 'omit'],
    protocol: [2, 'string', 'omit'],
    appProtocol: [6, 'string', 'ptr'],
    port: [3, 'int32', 'req'],
    targetPort: [4, 'IntOrString', 'omit'],
    nodePort: [5, 'int32', 'omit'],
  },
  SessionAffinityConfig: {
    clientIP: [1, 'ClientIPConfig', 'ptr'],
  },
  ClientIPConfig: {
    timeoutSeconds: [1, 'int32', 'ptr'],
  },
  ServiceStatus: {
    loadBalancer: [1, 'LoadBalancerStatus', 'omit'],
    conditions: [2, '[]Condition', 'omit'],
  },
  LoadBalancerStatus: {
    ingress: [1, '[]LoadBalancerIngress', 'omit'],
  },
  LoadBalancerIngress: {
    ip: [1, 'string', 'omit'],
    hostname: [2, 'string', 'omit'],
    ipMode: [3, 'string', 'ptr'],
    ports: [4, '[]PortStatus', 'omit'],
  },
  PortStatus: {
    port: [1, 'int32', 'req'],
    protocol: [2, 'string', 'req'],
    error: [3, 'string', 'ptr'],
  },
  Deployment: {
    metadata: [1, 'ObjectMeta', 'omit'],
    spec: [2, 'DeploymentSpec', 'omit'],
    status: [3, 'DeploymentStatus', 'omit'],
  },
  DeploymentSpec: {
    replicas: [1, 'int32', 'ptr'],
    selector: [2, 'LabelSelector', 'ptr'],
    template: [3, 'PodTemplateSpec', 'req'],
    strategy: [4, 'DeploymentStrategy', 'omit'],
    minReadySeconds: [5, 'int32', 'omit'],
    revisionHistoryLimit: [6, 'int32', 'ptr'],
    paused: [7, 'bool', 'omit'],
    progressDeadlineSeconds: [9, 'int32', 'ptr'],
  },
  DeploymentStrategy: {
    type: [1, 'string', 'omit'],
    rollingUpdate: [2, 'RollingUpdateDeployment', 'ptr'],
  },
  RollingUpdateDeployment: {
    maxUnavailable: [1, 'IntOrString', 'ptr'],
    maxSurge: [2, 'IntOrString', 'ptr'],
  },
  DeploymentStatus: {
    observedGeneration: [1, 'int64', 'omit'],
    replicas: [2, 'int32', 'omit'],
    updatedReplicas: [3, 'int32', 'omit'],
    readyReplicas: [7, 'int32', 'omit'],
    availableReplicas: [4, 'int32', 'omit'],
    unavailableReplicas: [5, 'int32', 'omit'],
    terminatingReplicas: [9, 'int32', 'ptr'],
    conditions: [6, '[]DeploymentCondition', 'omit'],
    collisionCount: [8, 'int32', 'ptr'],
  },
  DeploymentCondition: {
    type: [1, 'string', 'req'],
    status: [2, 'string', 'req'],
    lastUpdateTime: [6, 'Time', 'omit'],
    lastTransitionTime: [7, 'Time', 'omit'],
    reason: [4, 'string', 'omit'],
    message: [5, 'string', 'omit'],
  },
  PodTemplateSpec: {
    metadata: [1, 'ObjectMeta', 'omit'],
    spec: [2, 'PodSpec', 'omit'],
  },
  Pod: {
    metadata: [1, 'ObjectMeta', 'omit'],
    spec: [2, 'PodSpec', 'omit'],
    status: [3, 'PodStatus', 'omit', 'unsupported'],
  },
  PodSpec: {
    volumes: [1, '[]Volume', 'omit'],
    initContainers: [20, '[]Container', 'omit'],
    containers: [2, '[]Container', 'req'],
    ephemeralContainers: [34, '[]EphemeralContainer', 'omit', 'unsupported'],
    restartPolicy: [3, 'string', 'omit'],
    terminationGracePeriodSeconds: [4, 'int64', 'ptr'],
    activeDeadlineSeconds: [5, 'int64', 'ptr'],
    dnsPolicy: [6, 'string', 'omit'],
    nodeSelector: [7, 'map<string,string>', 'omit'],
    serviceAccountName: [8, 'string', 'omit'],
    serviceAccount: [9, 'string', 'omit'],
    automountServiceAccountToken: [21, 'bool', 'ptr'],
    nodeName: [10, 'string', 'omit'],
    hostNetwork: [11, 'bool', 'omit'],
    hostPID: [12, 'bool', 'omit'],
    hostIPC: [13, 'bool', 'omit'],
    shareProcessNamespace: [27, 'bool', 'ptr'],
    securityContext: [14, 'PodSecurityContext', 'ptr', 'unsupported'],
    imagePullSecrets: [15, '[]LocalObjectReference', 'omit'],
    hostname: [16, 'string', 'omit'],
    subdomain: [17, 'string', 'omit'],
    affinity: [18, 'Affinity', 'ptr', 'unsupported'],
    schedulerName: [19, 'string', 'omit'],
    tolerations: [22, '[]Toleration', 'omit'],
    hostAliases: [23, '[]HostAlias', 'omit'],
    priorityClassName: [24, 'string', 'omit'],
    priority: [25, 'int32', 'ptr'],
    dnsConfig: [26, 'PodDNSConfig', 'ptr', 'unsupported'],
    readinessGates: [28, '[]PodReadinessGate', 'omit'],
    runtimeClassName: [29, 'string', 'ptr'],
    enableServiceLinks: [30, 'bool', 'ptr'],
    preemptionPolicy: [31, 'string', 'ptr'],
    overhead: [32, 'map<string,Quantity>', 'omit'],
    topologySpreadConstraints: [33, '[]TopologySpreadConstraint', 'omit', 'unsupported'],
    setHostnameAsFQDN: [35, 'bool', 'ptr'],
    os: [36, 'PodOS', 'ptr'],
    hostUsers: [37, 'bool', 'ptr'],
    schedulingGates: [38, '[]PodSchedulingGate', 'omit'],
    resourceClaims: [39, '[]PodResourceClaim', 'omit', 'unsupported'],
    resources: [40, 'ResourceRequirements', 'ptr'],
    hostnameOverride: [41, 'string', 'ptr'],
    schedulingGroup: [43, 'PodSchedulingGroup', 'ptr', 'unsupported'],
    evictionResponders: [44, '[]EvictionResponder', 'omit', 'unsupported'],
  },
  Container: {
    name: [1, 'string', 'req'],
    image: [2, 'string', 'omit'],
    command: [3, '[]string', 'omit'],
    args: [4, '[]string', 'omit'],
    workingDir: [5, 'string', 'omit'],
    ports: [6, '[]ContainerPort', 'omit'],
    envFrom: [19, '[]EnvFromSource', 'omit', 'unsupported'],
    env: [7, '[]EnvVar', 'omit'],
    resources: [8, 'ResourceRequirements', 'omit'],
    resizePolicy: [23, '[]ContainerResizePolicy', 'omit'],
    restartPolicy: [24, 'string', 'ptr'],
    restartPolicyRules: [25, '[]ContainerRestartRule', 'omit', 'unsupported'],
    volumeMounts: [9, '[]VolumeMount', 'omit'],
    volumeDevices: [21, '[]VolumeDevice', 'omit'],
    livenessProbe: [10, 'Probe', 'ptr', 'unsupported'],
    readinessProbe: [11, 'Probe', 'ptr', 'unsupported'],
    startupProbe: [22, 'Probe', 'ptr', 'unsupported'],
    lifecycle: [12, 'Lifecycle', 'ptr', 'unsupported'],
    terminationMessagePath: [13, 'string', 'omit'],
    terminationMessagePolicy: [20, 'string', 'omit'],
    imagePullPolicy: [14, 'string', 'omit'],
    securityContext: [15, 'SecurityContext', 'ptr', 'unsupported'],
    stdin: [16, 'bool', 'omit'],
    stdinOnce: [17, 'bool', 'omit'],
    tty: [18, 'bool', 'omit'],
  },
  ContainerPort: {
    name: [1, 'string', 'omit'],
    hostPort: [2, 'int32', 'omit'],
    containerPort: [3, 'int32', 'req'],
    protocol: [4, 'string', 'omit'],
    hostIP: [5, 'string', 'omit'],
  },
  EnvVar: {
    name: [1, 'string', 'req'],
    value: [2, 'string', 'omit'],
    valueFrom: [3, 'EnvVarSource', 'ptr', 'unsupported'],
  },
  ResourceRequirements: {
    limits: [1, 'map<string,Quantity>', 'omit'],
    requests: [2, 'map<string,Quantity>', 'omit'],
    claims: [3, '[]ResourceClaim', 'omit'],
  },
  ResourceClaim: {
    name: [1, 'string', 'req'],
    request: [2, 'string', 'omit'],
  },
  VolumeMount: {
    name: [1, 'string', 'req'],
    readOnly: [2, 'bool', 'omit'],
    recursiveReadOnly: [7, 'string', 'ptr'],
    mountPath: [3, 'string', 'req'],
    subPath: [4, 'string', 'omit'],
    mountPropagation: [5, 'string', 'ptr'],
    subPathExpr: [6, 'string', 'omit'],
    bindMountOptions: [8, '[]string', 'omit'],
  },
  VolumeDevice: {
    name: [1, 'string', 'req'],
    devicePath: [2, 'string', 'req'],
  },
  ContainerResizePolicy: {
    resourceName: [1, 'string', 'req'],
    restartPolicy: [2, 'string', 'req'],
  },
  LocalObjectReference: {
    name: [1, 'string', 'omit'],
  },
  HostAlias: {
    ip: [1, 'string', 'req'],
    hostnames: [2, '[]string', 'omit'],
  },
  PodReadinessGate: {
    conditionType: [1, 'string', 'req'],
  },
  PodOS: {
    name: [1, 'string', 'req'],
  },
  PodSchedulingGate: {
    name: [1, 'string', 'req'],
  },
  Toleration: {
    key: [1, 'string', 'omit'],
    operator: [2, 'string', 'omit'],
    value: [3, 'string', 'omit'],
    effect: [4, 'string', 'omit'],
    tolerationSeconds: [5, 'int64', 'ptr'],
  },
  Volume: {
    name: [1, 'string', 'req'],
    volumeSource: [2, 'VolumeSource', 'inline'],
  },
  VolumeSource: {
    hostPath: [1, 'HostPathVolumeSource', 'ptr'],
    emptyDir: [2, 'EmptyDirVolumeSource', 'ptr'],
    gcePersistentDisk: [3, 'GCEPersistentDiskVolumeSource', 'ptr', 'unsupported'],
    awsElasticBlockStore: [4, 'AWSElasticBlockStoreVolumeSource', 'ptr', 'unsupported'],
    gitRepo: [5, 'GitRepoVolumeSource', 'ptr', 'unsupported'],
    secret: [6, 'SecretVolumeSource', 'ptr'],
    nfs: [7, 'NFSVolumeSource', 'ptr', 'unsupported'],
    iscsi: [8, 'ISCSIVolumeSource', 'ptr', 'unsupported'],
    glusterfs: [9, 'GlusterfsVolumeSource', 'ptr', 'unsupported'],
    persistentVolumeClaim: [10, 'PersistentVolumeClaimVolumeSource', 'ptr'],
    rbd: [11, 'RBDVolumeSource', 'ptr', 'unsupported'],
    flexVolume: [12, 'FlexVolumeSource', 'ptr', 'unsupported'],
    cinder: [13, 'CinderVolumeSource', 'ptr', 'unsupported'],
    cephfs: [14, 'CephFSVolumeSource', 'ptr', 'unsupported'],
    flocker: [15, 'FlockerVolumeSource', 'ptr', 'unsupported'],
    downwardAPI: [16, 'DownwardAPIVolumeSource', 'ptr', 'unsupported'],
    fc: [17, 'FCVolumeSource', 'ptr', 'unsupported'],
    azureFile: [18, 'AzureFileVolumeSource', 'ptr', 'unsupported'],
    configMap: [19, 'ConfigMapVolumeSource', 'ptr'],
    vsphereVolume: [20, 'VsphereVirtualDiskVolumeSource', 'ptr', 'unsupported'],
    quobyte: [21, 'QuobyteVolumeSource', 'ptr', 'unsupported'],
    azureDisk: [22, 'AzureDiskVolumeSource', 'ptr', 'unsupported'],
    photonPersistentDisk: [23, 'PhotonPersistentDiskVolumeSource', 'ptr', 'unsupported'],
    projected: [26, 'ProjectedVolumeSource', 'ptr', 'unsupported'],
    portworxVolume: [24, 'PortworxVolumeSource', 'ptr', 'unsupported'],
    scaleIO: [25, 'ScaleIOVolumeSource', 'ptr', 'unsupported'],
    storageos: [27, 'StorageOSVolumeSource', 'ptr', 'unsupported'],
    csi: [28, 'CSIVolumeSource', 'ptr', 'unsupported'],
    ephemeral: [29, 'EphemeralVolumeSource', 'ptr', 'unsupported'],
    image: [30, 'ImageVolumeSource', 'ptr', 'unsupported'],
  },
  HostPathVolumeSource: {
    path: [1, 'string', 'req'],
    type: [2, 'string', 'ptr'],
  },
  EmptyDirVolumeSource: {
    medium: [1, 'string', 'omit'],
    sizeLimit: [2, 'Quantity', 'ptr'],
    mode: [3, 'int32', 'ptr'],
  },
  ConfigMapVolumeSource: {
    localObjectReference: [1, 'LocalObjectReference', 'inline'],
    items: [2, '[]KeyToPath', 'omit'],
    defaultMode: [3, 'int32', 'ptr'],
    optional: [4, 'bool', 'ptr'],
    defaultUser: [5, 'int64', 'ptr'],
  },
  SecretVolumeSource: {
    secretName: [1, 'string', 'omit'],
    items: [2, '[]KeyToPath', 'omit'],
    defaultMode: [3, 'int32', 'ptr'],
    optional: [4, 'bool', 'ptr'],
    defaultUser: [5, 'int64', 'ptr'],
  },
  KeyToPath: {
    key: [1, 'string', 'req'],
    path: [2, 'string', 'req'],
    mode: [3, 'int32', 'ptr'],
    user: [4, 'int64', 'ptr'],
  },
  PersistentVolumeClaimVolumeSource: {
    claimName: [1, 'string', 'req'],
    readOnly: [2, 'bool', 'omit'],
  },
};

/** The top-level kinds a protobuf body may carry, with the apiVersions each is accepted in. */
export const TOP_LEVEL: Readonly<Record<string, readonly string[]>> = {
  Namespace: ['v1'],
  ConfigMap: ['v1'],
  Secret: ['v1'],
  Service: ['v1'],
  Pod: ['v1'],
  Deployment: ['apps/v1'],
};
