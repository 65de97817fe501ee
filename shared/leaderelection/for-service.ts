/**
 * Leader election as the controller-manager and the scheduler use it: settings from the options
 * over LEADER_ELECT* in the environment over the defaults, the Lease in kube-system, the metric in
 * the service's registry. Answers undefined when election is disabled (the service leads at once).
 *
 * The elector writes through a gateway client of its own (as kube-controller-manager builds a
 * separate "leader-election" clientset): on the service's shared client, its renewals queued behind
 * the controllers' writes (8 connections, a new leader's first burst of pod creations) and a leader
 * that had just taken over missed its renew deadline and stepped down with nothing wrong (found by
 * the chaos test). Its requests time out after half the renew deadline (at least a retry period):
 * a renewal in flight when NATS restarted hung until the deadline had passed, where the next
 * attempt would have landed. Giving up on a write that may still land is safe: the deadline counts
 * from the last write known to have succeeded, and after a failed write the elector reads the Lease
 * afresh (if that write did land, the Lease is still ours and the next one renews it).
 */
import type { ServiceContext } from '../service/context.js';
import { GatewayClient } from '../client/index.js';
import { LeaderElector, type LostReason } from './elector.js';
import { LEASE_NAMESPACE, leaderElectionFromEnv, resolveLeaderElection, type LeaderElectionOptions } from './config.js';

export interface ServiceElectionHooks {
  readonly onStartedLeading: () => void | Promise<void>;
  readonly onStoppedLeading: (reason: LostReason) => void | Promise<void>;
}

export function electorFor(
  ctx: ServiceContext,
  component: string,
  opts: LeaderElectionOptions | undefined,
  env: NodeJS.ProcessEnv,
  hooks: ServiceElectionHooks,
): LeaderElector | undefined {
  const s = resolveLeaderElection(leaderElectionFromEnv(env), stripUndefined(opts ?? {}));
  if (!s.enabled) return undefined;
  const client = new GatewayClient({
    url: ctx.client.urls.join(','),
    ...(ctx.client.credentials ? { credentials: ctx.client.credentials } : {}),
    userAgent: `${ctx.client.userAgent}/leader-election`,
    connections: 2,
    deadlineMs: Math.max(s.retryPeriodMs, Math.floor(s.renewDeadlineMs / 2)),
  });
  return new LeaderElector({
    leases: client.leases,
    onStopped: () => client.close(),
    namespace: opts?.leaseNamespace ?? LEASE_NAMESPACE,
    name: opts?.leaseName ?? component,
    ...(opts?.identity ? { identity: opts.identity } : {}),
    ...(opts?.jitterFactor !== undefined ? { jitterFactor: opts.jitterFactor } : {}),
    timing: { leaseDurationMs: s.leaseDurationMs, renewDeadlineMs: s.renewDeadlineMs, retryPeriodMs: s.retryPeriodMs },
    log: ctx.log,
    registry: ctx.registry,
    onStartedLeading: hooks.onStartedLeading,
    onStoppedLeading: hooks.onStoppedLeading,
  });
}

/** The role a service reports in /readyz: `leader`, `standby`, `lost` (it should be restarted) or `disabled`. */
export function electionRole(e: LeaderElector | undefined): 'leader' | 'standby' | 'lost' | 'disabled' {
  if (!e) return 'disabled';
  if (e.isLeader()) return 'leader';
  return e.state === 'lost' ? 'lost' : 'standby';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
