/**
 * Kubelet settings: each from a flag of `jetkube kubelet` or its environment variable, with a
 * default (all listed in the README).
 */
import { cpus, hostname, totalmem, tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Taint, TaintEffect } from '../../shared/resources/types.js';
import { parseClusterDns, parseClusterDomain, type DnsAddress } from '../../shared/cluster-dns.js';
import type { GatewayCredentials } from '../../shared/config.js';

export type RuntimeKind = 'docker' | 'process' | 'fake';

export interface KubeletConfig {
  readonly nodeName: string;
  /**
   * This node's own credentials (`system:node:<name>`, what `up --secure` issues per node): its
   * writes go over a gateway client of its own. Without: the process' (a pool shares one identity).
   */
  readonly credentials?: GatewayCredentials;
  readonly runtime: RuntimeKind;
  /** The address the node advertises (InternalIP) and the kubelet's HTTP server binds. */
  readonly nodeIp: string;
  /** Logs, health and metrics (0: any free port). */
  readonly port: number;
  readonly cpu: string;
  readonly memory: string;
  readonly maxPods: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Pod IP range; empty: the one the gateway allocated into Node.spec.podCIDR. */
  readonly podCidr?: string;
  readonly rootDir: string;
  readonly leaseDurationSeconds: number;
  readonly leaseRenewMs: number;
  readonly nodeStatusUpdateMs: number;
  /** Write the node's status at least this often even when nothing changed (heartbeat). */
  readonly nodeStatusReportMs: number;
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** How often the runtime is listed for container changes (PLEG relist). */
  readonly relistMs: number;
  /** Every pod is synced at least this often. */
  readonly syncMs: number;
  readonly workers: number;
  /** A pool of kubelets in one process: pod syncs in flight over all its nodes (KUBELET_POOL_SYNCS, default 64). */
  readonly poolSyncs: number;
  /** The cluster DNS pods are pointed at (CLUSTER_DNS, the DNS service's own setting). */
  readonly clusterDns: DnsAddress;
  /** The cluster's DNS domain (CLUSTER_DOMAIN): the pods' search path derives from it. */
  readonly clusterDomain: string;
}

const num = (v: string | undefined, dflt: number, name: string): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${v}"`);
  return n;
};

/** A count of at least 1 (a bound of 0 would hold every sync for good). */
const positiveInt = (v: string | undefined, dflt: number, name: string): number => {
  const n = num(v, dflt, name);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, got "${v}"`);
  return n;
};

export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`node label "${part}" must be key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** `key=value:Effect` or `key:Effect`, comma separated. */
export function parseTaints(s: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(part);
    if (!m) throw new Error(`taint "${part}" must be key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    out.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as TaintEffect });
  }
  return out;
}

export function defaultNodeName(): string {
  return hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '') || 'node';
}

export function kubeletConfigFromEnv(env: NodeJS.ProcessEnv = process.env, over: Partial<KubeletConfig> = {}): KubeletConfig {
  const nodeName = over.nodeName ?? (env.NODE_NAME || defaultNodeName());
  const runtime = (over.runtime ?? (env.KUBELET_RUNTIME || (existsSync('/var/run/docker.sock') ? 'docker' : 'process'))) as RuntimeKind;
  if (!['docker', 'process', 'fake'].includes(runtime)) throw new Error(`KUBELET_RUNTIME must be docker, process or fake, got "${runtime}"`);
  const cap = num(env.CRASHLOOP_BACKOFF_MAX, 300, 'CRASHLOOP_BACKOFF_MAX') * 1000;
  return {
    nodeName,
    runtime,
    nodeIp: env.NODE_IP || '127.0.0.1',
    port: num(env.KUBELET_PORT, 10250, 'KUBELET_PORT'),
    cpu: env.KUBELET_CPU || String(cpus().length),
    memory: env.KUBELET_MEMORY || String(totalmem()),
    maxPods: num(env.KUBELET_MAX_PODS, 110, 'KUBELET_MAX_PODS'),
    labels: parseLabels(env.NODE_LABELS),
    taints: parseTaints(env.NODE_TAINTS),
    ...(env.POD_CIDR ? { podCidr: env.POD_CIDR } : {}),
    rootDir: env.KUBELET_ROOT_DIR || join(tmpdir(), 'jetkube', 'kubelet', nodeName),
    leaseDurationSeconds: num(env.NODE_LEASE_DURATION, 40, 'NODE_LEASE_DURATION'),
    leaseRenewMs: num(env.NODE_LEASE_RENEW_INTERVAL, 10, 'NODE_LEASE_RENEW_INTERVAL') * 1000,
    nodeStatusUpdateMs: num(env.NODE_STATUS_UPDATE_FREQUENCY, 10, 'NODE_STATUS_UPDATE_FREQUENCY') * 1000,
    nodeStatusReportMs: num(env.NODE_STATUS_REPORT_FREQUENCY, 300, 'NODE_STATUS_REPORT_FREQUENCY') * 1000,
    backoffBaseMs: num(env.CRASHLOOP_BACKOFF_BASE, 10, 'CRASHLOOP_BACKOFF_BASE') * 1000,
    backoffCapMs: cap,
    relistMs: num(env.KUBELET_RELIST_MS, 1000, 'KUBELET_RELIST_MS'),
    syncMs: num(env.KUBELET_SYNC_FREQUENCY, 60, 'KUBELET_SYNC_FREQUENCY') * 1000,
    workers: num(env.KUBELET_WORKERS, 16, 'KUBELET_WORKERS'),
    poolSyncs: positiveInt(env.KUBELET_POOL_SYNCS, 64, 'KUBELET_POOL_SYNCS'),
    clusterDns: parseClusterDns(env.CLUSTER_DNS),
    clusterDomain: parseClusterDomain(env.CLUSTER_DOMAIN),
    ...over,
  };
}

/** In a pool of more than POOL_WORKERS_FROM kubelets each has at most POOL_WORKERS workers. */
export const POOL_WORKERS_FROM = 64;
export const POOL_WORKERS = 2;

/**
 * Configs for `count` kubelets in one process (`jetkube up --nodes N`, `jetkube kubelet --nodes N`):
 * node names `<base>-1` … `<base>-N` (or just `<base>` for one), each with its own root directory
 * and the pod CIDR the gateway allocates (one POD_CIDR cannot serve several nodes).
 */
export function kubeletConfigs(base: KubeletConfig, count: number): KubeletConfig[] {
  if (count <= 1) return count === 1 ? [base] : [];
  const { podCidr: _shared, ...rest } = base;
  const root = dirname(base.rootDir);
  // Thousands of nodes in one process (a fake pool) share its CPU: a few workers each are plenty,
  // and 16 apiece would be tens of thousands of idle loops.
  const workers = count > POOL_WORKERS_FROM ? Math.min(base.workers, POOL_WORKERS) : base.workers;
  return Array.from({ length: count }, (_, i) => {
    const nodeName = `${base.nodeName}-${i + 1}`;
    return { ...rest, nodeName, rootDir: join(root, nodeName), workers };
  });
}
