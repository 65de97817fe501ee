/**
 * POST pods/{name}/eviction: the reads and writes around evictionVerdict (eviction-verdict.ts).
 * The pod and the budget are read from the log (the newest state, with the sequence a CAS write
 * needs); which budgets exist comes from a consistent list of the projection (caught up with the
 * log first). The budget's status is written with its resourceVersion as precondition: a conflict
 * re-reads it and decides again, as kube-apiserver retries. Before the pod is deleted it gets the
 * DisruptionTarget condition (reason EvictionByEvictionAPI), as kube-apiserver does.
 */
import { ApiError, isConflict } from '../../shared/errors.js';
import type { Pod, PodCondition } from '../../shared/resources/types.js';
import { resourceByKind, resourceByPlural } from '../../shared/resources/registry.js';
import { pdbSelects, rfc3339Seconds, type PodDisruptionBudget } from '../../shared/resources/pdb.js';
import type { DeleteOptions, ObjectStore, WriteOptions } from './store.js';
import { canIgnoreBudgets, evictionVerdict, stillProcessing, type EvictionVerdict } from './eviction-verdict.js';

/** kube-apiserver's EvictionsRetry: 20 steps. */
const EVICTION_RETRIES = 20;

export interface EvictionDeps {
  readonly store: ObjectStore;
  /** Every budget of the namespace, consistent with the log. */
  listBudgets(namespace: string): Promise<PodDisruptionBudget[]>;
  readonly now: () => Date;
  readonly writeOptions?: WriteOptions;
}

/** A Status to answer instead of the usual Success (more than one budget: 500). */
export type EvictionOutcome = { readonly evicted: true } | { readonly evicted: false; readonly code: number; readonly message: string };

export async function evictPod(deps: EvictionDeps, ns: string, name: string, dopts: DeleteOptions): Promise<EvictionOutcome> {
  const pods = resourceByPlural('pods')!;
  const pdbInfo = resourceByKind('PodDisruptionBudget')!;
  const clientRv = !!dopts.preconditions?.resourceVersion;
  const dryRun = (dopts.dryRun ?? []).includes('All');
  const ctx = () => ({ now: deps.now(), clientResourceVersion: clientRv, dryRun });

  // Pods the budgets do not guard (not started, finished, deleting): delete, retrying conflicts.
  let found: Pod;
  for (let attempt = 0; ; attempt++) {
    found = (await deps.store.get(pods, ns, name)) as Pod;
    if (!canIgnoreBudgets(found)) break;
    const v = evictionVerdict(found, [], ctx());
    try {
      await deletePod(deps, ns, name, withRv(dopts, v.op === 'delete' ? v.preconditionRv : undefined), dryRun);
      return { evicted: true };
    } catch (e) {
      if (!isConflict(e) || clientRv || attempt >= EVICTION_RETRIES) throw e;
    }
  }
  const pod = found;

  const selecting = (await deps.listBudgets(ns)).filter((b) => pdbSelects(b, pod));
  let budgets = selecting;
  if (selecting.length === 1) budgets = [await latest(deps, pdbInfo, ns, selecting[0]!.metadata.name ?? '')].filter((b): b is PodDisruptionBudget => !!b);
  for (let attempt = 0; attempt < EVICTION_RETRIES; attempt++) {
    const v: EvictionVerdict = evictionVerdict(pod, budgets, ctx());
    switch (v.op) {
      case 'status':
        return { evicted: false, code: v.code, message: v.message };
      case 'refuse':
        throw v.error;
      case 'delete':
        try {
          await deletePod(deps, ns, name, withRv(dopts, v.preconditionRv), dryRun);
        } catch (e) {
          // The pod changed (it may have become Ready) since it was found unhealthy: the client retries.
          if (isConflict(e) && v.preconditionRv && v.budget !== undefined) throw stillProcessing(v.budget);
          throw e;
        }
        return { evicted: true };
      case 'spend': {
        const budgetName = v.budget.metadata.name ?? '';
        if (v.write) {
          try {
            await deps.store.update(
              pdbInfo,
              ns,
              budgetName,
              { ...v.budget, metadata: { ...v.budget.metadata }, status: v.status },
              deps.writeOptions ?? {},
              'status',
            );
          } catch (e) {
            if (!isConflict(e)) throw e;
            const fresh = await latest(deps, pdbInfo, ns, budgetName);
            budgets = fresh ? [fresh] : [];
            continue;
          }
        }
        await deletePod(deps, ns, name, dopts, dryRun);
        return { evicted: true };
      }
    }
  }
  const budget = budgets[0]?.metadata.name ?? '';
  throw new ApiError('Timeout', `Timeout: couldn't update PodDisruptionBudget "${budget}" due to conflicts`, { retryAfterSeconds: 10 });
}

/** The budget as the log has it now, resourceVersion included; undefined when it is gone. */
async function latest(deps: EvictionDeps, info: ReturnType<typeof resourceByKind> & object, ns: string, name: string): Promise<PodDisruptionBudget | undefined> {
  const ev = await deps.store.getLive(info, ns, name);
  if (!ev) return undefined;
  const obj = ev.object as PodDisruptionBudget;
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(ev.seq) } };
}

function withRv(dopts: DeleteOptions, rv: string | undefined): DeleteOptions {
  return rv ? { ...dopts, preconditions: { ...(dopts.preconditions ?? {}), resourceVersion: rv } } : dopts;
}

const DISRUPTION_TARGET: Omit<PodCondition, 'lastTransitionTime'> = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'EvictionByEvictionAPI',
  message: 'Eviction API: evicting',
} as Omit<PodCondition, 'lastTransitionTime'>;

/**
 * addConditionAndDeletePod: mark the newest pod with DisruptionTarget (unless a dry run), then
 * delete it. The delete's preconditions hold for the pod the condition is added to; a
 * resourceVersion precondition moves to the version that write made.
 */
async function deletePod(deps: EvictionDeps, ns: string, name: string, dopts: DeleteOptions, dryRun: boolean): Promise<void> {
  const pods = resourceByPlural('pods')!;
  let opts = dopts;
  if (!dryRun) {
    for (let attempt = 0; ; attempt++) {
      const ev = await deps.store.getLive(pods, ns, name);
      if (!ev) break; // the delete answers NotFound
      const pod = ev.object as Pod;
      const pre = dopts.preconditions ?? {};
      if (pre.uid && pre.uid !== pod.metadata.uid) break; // the delete answers the conflict
      if (pre.resourceVersion && pre.resourceVersion !== String(ev.seq)) break;
      const conditions = [...(pod.status?.conditions ?? [])];
      const i = conditions.findIndex((c) => c.type === DISRUPTION_TARGET.type);
      const cur = conditions[i];
      if (cur && cur.status === DISRUPTION_TARGET.status && cur.reason === DISRUPTION_TARGET.reason && cur.message === DISRUPTION_TARGET.message) break;
      const lastTransitionTime = cur && cur.status === DISRUPTION_TARGET.status && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339Seconds(deps.now());
      const cond = { ...DISRUPTION_TARGET, lastTransitionTime } as PodCondition;
      if (i >= 0) conditions[i] = cond;
      else conditions.push(cond);
      const body = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(ev.seq) }, status: { ...(pod.status ?? {}), conditions } };
      try {
        const r = await deps.store.update(pods, ns, name, body, deps.writeOptions ?? {}, 'status');
        if (pre.resourceVersion && r.object.metadata.resourceVersion) {
          opts = { ...dopts, preconditions: { ...pre, resourceVersion: r.object.metadata.resourceVersion } };
        }
        break;
      } catch (e) {
        if (!isConflict(e) || attempt >= EVICTION_RETRIES) throw e;
      }
    }
  }
  await deps.store.delete(pods, ns, name, opts);
}
