/**
 * Workers per controller: kube-controller-manager's defaults (the `--concurrent-*-syncs` flags, and
 * the fixed counts of the controllers without one). A controller not in the table (jetkube's own,
 * like the local-path provisioner) gets DEFAULT_WORKERS.
 */
export const DEFAULT_WORKERS = 4;

export const CONCURRENT_SYNCS: Readonly<Record<string, number>> = {
  garbagecollector: 20, // --concurrent-gc-syncs
  namespace: 10, // --concurrent-namespace-syncs
  replicaset: 5, // --concurrent-replicaset-syncs
  deployment: 5, // --concurrent-deployment-syncs
  endpoints: 5, // --concurrent-endpoint-syncs
  daemonset: 2, // --concurrent-daemonset-syncs
  job: 5, // --concurrent-job-syncs
  cronjob: 5, // --concurrent-cron-job-syncs
  statefulset: 5, // --concurrent-statefulset-syncs
  horizontalpodautoscaling: 5, // --concurrent-horizontal-pod-autoscaler-syncs
  'clusterrole-aggregation': 5, // started with 5 workers
  serviceaccount: 1, // the ServiceAccounts controller runs one worker
  rootcacertpublisher: 1, // one worker
  disruption: 1, // one worker (and a recheck loop)
  'persistentvolume-binder': 1, // one claim loop and one volume loop
};

/** The workers `name` runs: `override` (one count for all, as tests ask), else Kubernetes' default. */
export function workersFor(name: string, override?: number): number {
  return override ?? CONCURRENT_SYNCS[name] ?? DEFAULT_WORKERS;
}
