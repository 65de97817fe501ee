/**
 * Kubernetes-shaped types for the 11 kinds jetkube serves. Field names and nesting follow the
 * Kubernetes API (core/v1, apps/v1, coordination.k8s.io/v1) so real manifests type-check as-is.
 * Everything is readonly: objects are values; build new ones instead of mutating.
 *
 * Only the fields jetkube reads or writes are typed precisely; the rest of Kubernetes' surface
 * that real manifests carry (security contexts, volume sources, ...) is `Loose`.
 */
import type { KObject, ObjectMeta } from './meta.js';

/** An object whose shape jetkube does not interpret; accepted and stored as-is. */
export type Loose = { readonly [field: string]: unknown };

/** `80` or `"http"`: a port number or a named port. */
export type IntOrString = number | string;
/** A Kubernetes resource quantity: `"100m"`, `"128Mi"`, `1`, `"0.5"`. See parseQuantity. */
export type Quantity = string | number;
/** RFC 3339 timestamp, as Kubernetes serialises metav1.Time (`2024-01-02T03:04:05Z`). */
export type Timestamp = string;
export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ResourceList = { readonly [resource: string]: Quantity };
export type StringMap = { readonly [key: string]: string };

// ---------------------------------------------------------------------------------------------
// Shared pieces

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface ObjectReference {
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly uid?: string;
  readonly apiVersion?: string;
  readonly resourceVersion?: string;
  readonly fieldPath?: string;
}

export interface LocalObjectReference {
  readonly name?: string;
}

// ---------------------------------------------------------------------------------------------
// Pod

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type DNSPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface KeySelector {
  readonly name?: string;
  readonly key: string;
  readonly optional?: boolean;
}

export interface ObjectFieldSelector {
  readonly apiVersion?: string;
  readonly fieldPath: string;
}

export interface ResourceFieldSelector {
  readonly containerName?: string;
  readonly resource: string;
  readonly divisor?: Quantity;
}

export interface EnvVarSource {
  readonly configMapKeyRef?: KeySelector;
  readonly secretKeyRef?: KeySelector;
  readonly fieldRef?: ObjectFieldSelector;
  readonly resourceFieldRef?: ResourceFieldSelector;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: EnvVarSource;
}

export interface EnvFromSource {
  readonly prefix?: string;
  readonly configMapRef?: { readonly name?: string; readonly optional?: boolean };
  readonly secretRef?: { readonly name?: string; readonly optional?: boolean };
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly hostPort?: number;
  readonly hostIP?: string;
  readonly protocol?: Protocol;
}

export interface ResourceRequirements {
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
  readonly claims?: readonly Loose[];
}

export interface HTTPHeader {
  readonly name: string;
  readonly value: string;
}

export interface HTTPGetAction {
  readonly path?: string;
  readonly port: IntOrString;
  readonly host?: string;
  readonly scheme?: 'HTTP' | 'HTTPS';
  readonly httpHeaders?: readonly HTTPHeader[];
}

export interface TCPSocketAction {
  readonly port: IntOrString;
  readonly host?: string;
}

export interface ExecAction {
  readonly command?: readonly string[];
}

export interface GRPCAction {
  readonly port: number;
  readonly service?: string;
}

export interface Probe {
  readonly exec?: ExecAction;
  readonly httpGet?: HTTPGetAction;
  readonly tcpSocket?: TCPSocketAction;
  readonly grpc?: GRPCAction;
  readonly initialDelaySeconds?: number;
  readonly timeoutSeconds?: number;
  readonly periodSeconds?: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
  readonly terminationGracePeriodSeconds?: number;
}

export interface VolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
  readonly subPathExpr?: string;
  readonly mountPropagation?: string;
  readonly recursiveReadOnly?: string;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly EnvFromSource[];
  readonly ports?: readonly ContainerPort[];
  readonly resources?: ResourceRequirements;
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly lifecycle?: Loose;
  readonly imagePullPolicy?: PullPolicy;
  readonly securityContext?: Loose;
  readonly volumeMounts?: readonly VolumeMount[];
  readonly volumeDevices?: readonly Loose[];
  readonly terminationMessagePath?: string;
  readonly terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly resizePolicy?: readonly Loose[];
  /** Only on init containers: `Always` makes it a sidecar. */
  readonly restartPolicy?: 'Always';
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm {
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: { readonly nodeSelectorTerms: readonly NodeSelectorTerm[] };
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly PreferredSchedulingTerm[];
}

export interface PodAffinityTerm {
  readonly labelSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
  readonly topologyKey: string;
  readonly namespaceSelector?: LabelSelector;
  readonly matchLabelKeys?: readonly string[];
  readonly mismatchLabelKeys?: readonly string[];
}

export interface WeightedPodAffinityTerm {
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

/** podAffinity and podAntiAffinity share this shape. */
export interface PodAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: readonly PodAffinityTerm[];
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly WeightedPodAffinityTerm[];
}

export interface Affinity {
  readonly nodeAffinity?: NodeAffinity;
  readonly podAffinity?: PodAffinity;
  readonly podAntiAffinity?: PodAffinity;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' | string;
  readonly labelSelector?: LabelSelector;
  readonly minDomains?: number;
  readonly nodeAffinityPolicy?: 'Honor' | 'Ignore' | string;
  readonly nodeTaintsPolicy?: 'Honor' | 'Ignore' | string;
  readonly matchLabelKeys?: readonly string[];
}

export interface PodSchedulingGate {
  readonly name: string;
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: TaintEffect | '';
  readonly tolerationSeconds?: number;
}

/** A volume: `name` plus one source (`emptyDir`, `configMap`, `secret`, `hostPath`, ...), kept loose. */
export interface Volume {
  readonly name: string;
  readonly [source: string]: unknown;
}

export interface PodSpec {
  readonly containers: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Loose[];
  readonly restartPolicy?: RestartPolicy;
  readonly terminationGracePeriodSeconds?: number;
  readonly activeDeadlineSeconds?: number;
  readonly dnsPolicy?: DNSPolicy;
  readonly dnsConfig?: Loose;
  readonly nodeSelector?: StringMap;
  readonly nodeName?: string;
  readonly serviceAccountName?: string;
  readonly serviceAccount?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly shareProcessNamespace?: boolean;
  readonly securityContext?: Loose;
  readonly imagePullSecrets?: readonly LocalObjectReference[];
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly affinity?: Affinity;
  readonly schedulerName?: string;
  readonly tolerations?: readonly Toleration[];
  readonly hostAliases?: readonly Loose[];
  readonly priorityClassName?: string;
  readonly priority?: number;
  readonly preemptionPolicy?: string;
  readonly readinessGates?: readonly Loose[];
  readonly runtimeClassName?: string;
  readonly enableServiceLinks?: boolean;
  readonly overhead?: ResourceList;
  readonly topologySpreadConstraints?: readonly TopologySpreadConstraint[];
  readonly setHostnameAsFQDN?: boolean;
  readonly os?: Loose;
  readonly hostUsers?: boolean;
  readonly schedulingGates?: readonly PodSchedulingGate[];
  readonly resourceClaims?: readonly Loose[];
  readonly resources?: ResourceRequirements;
  readonly volumes?: readonly Volume[];
}

export interface PodCondition {
  readonly type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready' | 'PodReadyToStartContainers' | string;
  readonly status: ConditionStatus;
  readonly lastProbeTime?: Timestamp | null;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface ContainerStateWaiting {
  readonly reason?: string;
  readonly message?: string;
}
export interface ContainerStateRunning {
  readonly startedAt?: Timestamp;
}
export interface ContainerStateTerminated {
  readonly exitCode: number;
  readonly signal?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly startedAt?: Timestamp;
  readonly finishedAt?: Timestamp;
  readonly containerID?: string;
}
export interface ContainerState {
  readonly waiting?: ContainerStateWaiting;
  readonly running?: ContainerStateRunning;
  readonly terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  readonly name: string;
  readonly state?: ContainerState;
  readonly lastState?: ContainerState;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly image: string;
  readonly imageID?: string;
  readonly containerID?: string;
  readonly started?: boolean;
}

export interface PodIP {
  readonly ip: string;
}

export interface PodStatus {
  readonly phase?: PodPhase;
  readonly conditions?: readonly PodCondition[];
  readonly message?: string;
  readonly reason?: string;
  readonly nominatedNodeName?: string;
  readonly hostIP?: string;
  readonly hostIPs?: readonly PodIP[];
  readonly podIP?: string;
  readonly podIPs?: readonly PodIP[];
  readonly startTime?: Timestamp;
  readonly initContainerStatuses?: readonly ContainerStatus[];
  readonly containerStatuses?: readonly ContainerStatus[];
  readonly qosClass?: 'Guaranteed' | 'Burstable' | 'BestEffort';
}

export interface Pod extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Pod';
  readonly spec: PodSpec;
  readonly status?: PodStatus;
}

export interface PodTemplateSpec {
  readonly metadata?: ObjectMeta;
  readonly spec: PodSpec;
}

// ---------------------------------------------------------------------------------------------
// Node

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
  readonly timeAdded?: Timestamp;
}

export interface NodeSpec {
  readonly podCIDR?: string;
  readonly podCIDRs?: readonly string[];
  readonly providerID?: string;
  readonly unschedulable?: boolean;
  readonly taints?: readonly Taint[];
}

export interface NodeCondition {
  readonly type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable' | string;
  readonly status: ConditionStatus;
  readonly lastHeartbeatTime?: Timestamp;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface NodeAddress {
  readonly type: 'Hostname' | 'InternalIP' | 'ExternalIP' | 'InternalDNS' | 'ExternalDNS' | string;
  readonly address: string;
}

export interface NodeSystemInfo {
  readonly machineID?: string;
  readonly systemUUID?: string;
  readonly bootID?: string;
  readonly kernelVersion?: string;
  readonly osImage?: string;
  readonly containerRuntimeVersion?: string;
  readonly kubeletVersion?: string;
  readonly kubeProxyVersion?: string;
  readonly operatingSystem?: string;
  readonly architecture?: string;
}

export interface NodeStatus {
  readonly capacity?: ResourceList;
  readonly allocatable?: ResourceList;
  readonly phase?: 'Pending' | 'Running' | 'Terminated';
  readonly conditions?: readonly NodeCondition[];
  readonly addresses?: readonly NodeAddress[];
  readonly daemonEndpoints?: Loose;
  readonly nodeInfo?: NodeSystemInfo;
  readonly images?: readonly Loose[];
}

export interface Node extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Node';
  readonly spec?: NodeSpec;
  readonly status?: NodeStatus;
}

// ---------------------------------------------------------------------------------------------
// Namespace

export interface Namespace extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Namespace';
  readonly spec?: { readonly finalizers?: readonly string[] };
  readonly status?: { readonly phase?: 'Active' | 'Terminating'; readonly conditions?: readonly Loose[] };
}

// ---------------------------------------------------------------------------------------------
// Service and Endpoints

export type ServiceType = 'ClusterIP' | 'NodePort';

export interface ServicePort {
  readonly name?: string;
  readonly protocol?: Protocol;
  readonly appProtocol?: string;
  readonly port: number;
  readonly targetPort?: IntOrString;
  readonly nodePort?: number;
}

export interface ServiceSpec {
  readonly type?: ServiceType;
  readonly ports?: readonly ServicePort[];
  readonly selector?: StringMap;
  /** An IP, `"None"` for a headless service, or empty to have one allocated. */
  readonly clusterIP?: string;
  readonly clusterIPs?: readonly string[];
  readonly externalIPs?: readonly string[];
  readonly sessionAffinity?: 'None' | 'ClientIP';
  readonly sessionAffinityConfig?: Loose;
  readonly externalTrafficPolicy?: 'Cluster' | 'Local';
  readonly internalTrafficPolicy?: 'Cluster' | 'Local';
  readonly publishNotReadyAddresses?: boolean;
  readonly ipFamilies?: readonly string[];
  readonly ipFamilyPolicy?: string;
}

export interface Service extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Service';
  readonly spec: ServiceSpec;
  readonly status?: { readonly loadBalancer?: Loose; readonly conditions?: readonly Loose[] };
}

export interface EndpointAddress {
  readonly ip: string;
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly targetRef?: ObjectReference;
}

export interface EndpointPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol?: Protocol;
  readonly appProtocol?: string;
}

export interface EndpointSubset {
  readonly addresses?: readonly EndpointAddress[];
  readonly notReadyAddresses?: readonly EndpointAddress[];
  readonly ports?: readonly EndpointPort[];
}

export interface Endpoints extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Endpoints';
  readonly subsets?: readonly EndpointSubset[];
}

// ---------------------------------------------------------------------------------------------
// ConfigMap and Secret

export interface ConfigMap extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'ConfigMap';
  readonly data?: StringMap;
  /** Values are base64. */
  readonly binaryData?: StringMap;
  readonly immutable?: boolean;
}

export interface Secret extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  /** Values are base64. */
  readonly data?: StringMap;
  /** Write-only convenience: merged into `data` by applyDefaults, never stored. */
  readonly stringData?: StringMap;
  readonly type?: string;
  readonly immutable?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Event

export interface EventSource {
  readonly component?: string;
  readonly host?: string;
}

export interface Event extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'Event';
  readonly involvedObject: ObjectReference;
  readonly reason?: string;
  readonly message?: string;
  readonly type?: 'Normal' | 'Warning';
  readonly count?: number;
  readonly firstTimestamp?: Timestamp;
  readonly lastTimestamp?: Timestamp;
  readonly eventTime?: Timestamp;
  readonly source?: EventSource;
  readonly reportingComponent?: string;
  readonly reportingInstance?: string;
  readonly action?: string;
  readonly related?: ObjectReference;
}

// ---------------------------------------------------------------------------------------------
// ReplicaSet and Deployment

export interface WorkloadCondition {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly lastUpdateTime?: Timestamp;
  readonly lastTransitionTime?: Timestamp;
  readonly reason?: string;
  readonly message?: string;
}

export interface ReplicaSetSpec {
  readonly replicas?: number;
  readonly minReadySeconds?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplateSpec;
}

export interface ReplicaSetStatus {
  readonly replicas: number;
  readonly fullyLabeledReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly terminatingReplicas?: number;
  readonly observedGeneration?: number;
  readonly conditions?: readonly WorkloadCondition[];
}

export interface ReplicaSet extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'ReplicaSet';
  readonly spec: ReplicaSetSpec;
  readonly status?: ReplicaSetStatus;
}

export interface RollingUpdateDeployment {
  /** An absolute number or a percentage of desired pods (`"25%"`). */
  readonly maxUnavailable?: IntOrString;
  readonly maxSurge?: IntOrString;
}

export interface DeploymentStrategy {
  /** Defaults to `RollingUpdate`; `rollingUpdate` must be absent for `Recreate`. */
  readonly type?: 'RollingUpdate' | 'Recreate';
  readonly rollingUpdate?: RollingUpdateDeployment;
}

export interface DeploymentSpec {
  readonly replicas?: number;
  readonly selector: LabelSelector;
  readonly template: PodTemplateSpec;
  readonly strategy?: DeploymentStrategy;
  readonly minReadySeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly paused?: boolean;
  readonly progressDeadlineSeconds?: number;
}

export interface DeploymentStatus {
  readonly observedGeneration?: number;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly unavailableReplicas?: number;
  readonly terminatingReplicas?: number;
  readonly conditions?: readonly WorkloadCondition[];
  readonly collisionCount?: number;
}

export interface Deployment extends KObject {
  readonly apiVersion: 'apps/v1';
  readonly kind: 'Deployment';
  readonly spec: DeploymentSpec;
  readonly status?: DeploymentStatus;
}

// ---------------------------------------------------------------------------------------------
// Lease

export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  /** metav1.MicroTime: RFC 3339 with microseconds. */
  readonly acquireTime?: Timestamp;
  readonly renewTime?: Timestamp;
  readonly leaseTransitions?: number;
  readonly preferredHolder?: string;
  readonly strategy?: string;
}

export interface Lease extends KObject {
  readonly apiVersion: 'coordination.k8s.io/v1';
  readonly kind: 'Lease';
  readonly spec?: LeaseSpec;
}

// ---------------------------------------------------------------------------------------------
// ServiceAccount

export interface ServiceAccount extends KObject {
  readonly apiVersion: 'v1';
  readonly kind: 'ServiceAccount';
  readonly secrets?: readonly ObjectReference[];
  readonly imagePullSecrets?: readonly { readonly name?: string }[];
  readonly automountServiceAccountToken?: boolean;
}

// ---------------------------------------------------------------------------------------------

/** Kind name → its type, for code that switches on `kind`. */
export interface KindToType {
  Namespace: Namespace;
  Node: Node;
  Pod: Pod;
  Service: Service;
  Endpoints: Endpoints;
  ConfigMap: ConfigMap;
  Secret: Secret;
  ServiceAccount: ServiceAccount;
  Event: Event;
  ReplicaSet: ReplicaSet;
  Deployment: Deployment;
  Lease: Lease;
}

export type KindName = keyof KindToType;
export type AnyResource = KindToType[KindName];

export const KIND_NAMES: readonly KindName[] = [
  'Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event', 'ReplicaSet', 'Deployment', 'Lease',
];

export function isKindName(kind: string): kind is KindName {
  return (KIND_NAMES as readonly string[]).includes(kind);
}

/** Narrow a generic object to its kind's type by its `kind` field. */
export function isKind<K extends KindName>(obj: KObject, kind: K): obj is KObject & KindToType[K] {
  return obj.kind === kind;
}
