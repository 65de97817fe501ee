/**
 * Resource arithmetic for scheduling, as Kubernetes' `resourcehelper.PodRequests` and the
 * scheduler's `framework.Resource`: cpu in millicores, every other resource in base units
 * (bytes for memory and ephemeral-storage, a count for pods and extended resources). Pure.
 */
import { tryParseQuantity } from '../resources/quantity.js';
import type { Container, Node, Pod, ResourceList, ResourceRequirements } from '../resources/types.js';

export const RESOURCE_CPU = 'cpu';
export const RESOURCE_MEMORY = 'memory';
export const RESOURCE_EPHEMERAL_STORAGE = 'ephemeral-storage';
export const RESOURCE_PODS = 'pods';

/** schedutil.DefaultMilliCPURequest: what a container without a cpu request counts as when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** schedutil.DefaultMemoryRequest: 200 MiB, what a container without a memory request counts as when scoring. */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Amounts of resources other than cpu, memory, ephemeral-storage and pods (`nvidia.com/gpu`, `hugepages-2Mi`). */
export type ScalarResources = readonly (readonly [name: string, amount: number])[];

/** A pod's requests, ready for the per-node loop: flat numbers, scalars only when present. */
export interface PodRequests {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  /** Extended and other resources with a non-zero request; empty for nearly every pod. */
  readonly scalar: ScalarResources;
  /** Requests with Kubernetes' scoring defaults (100m cpu, 200Mi memory per container that sets none). */
  readonly nonZeroMilliCPU: number;
  readonly nonZeroMemory: number;
}

/** What a node offers (status.allocatable, each resource falling back to status.capacity). */
export interface NodeAllocatable {
  readonly milliCPU: number;
  readonly memory: number;
  readonly ephemeralStorage: number;
  readonly pods: number;
  readonly scalar: ReadonlyMap<string, number>;
}

/** A quantity in scheduler units: millicores for cpu, base units (rounded up) for the rest; 0 when invalid. */
export function quantityValue(resource: string, q: string | number | undefined): number {
  if (q === undefined) return 0;
  const v = tryParseQuantity(q);
  if (v === undefined || v <= 0) return 0;
  return resource === RESOURCE_CPU ? roundUp(v * 1000) : roundUp(v);
}

/** Round up like Quantity.MilliValue/Value, ignoring float noise from decimal scaling (0.7*1000). */
function roundUp(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

type Amounts = Map<string, number>;

/** A container's effective requests: `requests`, each resource falling back to `limits` (API defaulting). */
export function effectiveRequests(res: ResourceRequirements | undefined): Amounts {
  const out: Amounts = new Map();
  if (!res) return out;
  const limits = res.limits;
  if (limits) for (const k of Object.keys(limits)) out.set(k, quantityValue(k, limits[k]));
  const requests = res.requests;
  if (requests) for (const k of Object.keys(requests)) out.set(k, quantityValue(k, requests[k]));
  return out;
}

function addInto(dst: Amounts, src: Amounts): void {
  for (const [k, v] of src) dst.set(k, (dst.get(k) ?? 0) + v);
}

function maxInto(dst: Amounts, src: Amounts): void {
  for (const [k, v] of src) if (v > (dst.get(k) ?? 0)) dst.set(k, v);
}

function containerAmounts(c: Container, nonMissing: boolean): Amounts {
  const a = effectiveRequests(c.resources);
  if (nonMissing) {
    if (!a.has(RESOURCE_CPU)) a.set(RESOURCE_CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (!a.has(RESOURCE_MEMORY)) a.set(RESOURCE_MEMORY, DEFAULT_MEMORY_REQUEST);
  }
  return a;
}

/**
 * resourcehelper.PodRequests: the sum over containers, max'ed with each init container; sidecars
 * (init containers with restartPolicy Always) add to the sum and to every later init container;
 * pod-level `spec.resources` replaces cpu/memory when set; `spec.overhead` is added.
 * With `nonMissing`, containers without a cpu/memory request count the scoring defaults.
 */
export function podRequestAmounts(pod: Pod, nonMissing = false): Amounts {
  const spec = pod.spec;
  const reqs: Amounts = new Map();
  for (const c of spec.containers ?? []) addInto(reqs, containerAmounts(c, nonMissing));
  const sidecars: Amounts = new Map();
  const initMax: Amounts = new Map();
  for (const c of spec.initContainers ?? []) {
    const a = containerAmounts(c, nonMissing);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, a);
      addInto(sidecars, a);
      maxInto(initMax, sidecars);
    } else {
      addInto(a, sidecars);
      maxInto(initMax, a);
    }
  }
  maxInto(reqs, initMax);
  const podLevel = effectiveRequests(spec.resources);
  for (const r of [RESOURCE_CPU, RESOURCE_MEMORY]) {
    const v = podLevel.get(r);
    if (v !== undefined) reqs.set(r, v);
  }
  if (spec.overhead) addInto(reqs, amountsOf(spec.overhead));
  return reqs;
}

function amountsOf(list: ResourceList): Amounts {
  const out: Amounts = new Map();
  for (const k of Object.keys(list)) out.set(k, quantityValue(k, list[k]));
  return out;
}

const NAMED = new Set([RESOURCE_CPU, RESOURCE_MEMORY, RESOURCE_EPHEMERAL_STORAGE, RESOURCE_PODS]);

/** The pod's requests and non-zero scoring requests; computed once per pod. */
export function computePodRequests(pod: Pod): PodRequests {
  const reqs = podRequestAmounts(pod, false);
  const nonZero = podRequestAmounts(pod, true);
  const scalar: [string, number][] = [];
  for (const [k, v] of reqs) if (!NAMED.has(k) && v > 0) scalar.push([k, v]);
  scalar.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    milliCPU: reqs.get(RESOURCE_CPU) ?? 0,
    memory: reqs.get(RESOURCE_MEMORY) ?? 0,
    ephemeralStorage: reqs.get(RESOURCE_EPHEMERAL_STORAGE) ?? 0,
    scalar,
    nonZeroMilliCPU: nonZero.get(RESOURCE_CPU) ?? 0,
    nonZeroMemory: nonZero.get(RESOURCE_MEMORY) ?? 0,
  };
}

/** status.allocatable, each resource falling back to status.capacity; a missing resource is 0. */
export function nodeAllocatable(node: Node): NodeAllocatable {
  const alloc = node.status?.allocatable ?? {};
  const cap = node.status?.capacity ?? {};
  const get = (r: string): number => quantityValue(r, alloc[r] ?? cap[r]);
  const scalar = new Map<string, number>();
  for (const k of new Set([...Object.keys(cap), ...Object.keys(alloc)])) {
    if (!NAMED.has(k)) scalar.set(k, get(k));
  }
  return {
    milliCPU: get(RESOURCE_CPU),
    memory: get(RESOURCE_MEMORY),
    ephemeralStorage: get(RESOURCE_EPHEMERAL_STORAGE),
    pods: get(RESOURCE_PODS),
    scalar,
  };
}
