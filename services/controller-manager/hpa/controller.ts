/**
 * The HorizontalPodAutoscaler controller's I/O layer (Kubernetes' pkg/controller/podautoscaler):
 * key = `namespace/name` of an autoscaler, reconciled when it changes and every sync period
 * (HPA_SYNC_PERIOD, 15 s). reconcile reads the target's Scale through its `/scale` subresource
 * (Deployments, ReplicaSets, StatefulSets, custom resources with a scale subresource: found
 * through discovery), the pods its selector selects (cache) and their metrics.k8s.io samples (the
 * gateway), asks planHpa (plan.ts), then sets the Scale, writes /status when it changed and records
 * the Events. The recommendation and scale-event history lives in memory, as in Kubernetes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pod } from '../../../shared/resources/types.js';
import type { HorizontalPodAutoscaler } from '../../../shared/resources/hpa.js';
import type { PodMetrics } from '../../../shared/metrics/types.js';
import { METRICS_API_VERSION } from '../../../shared/metrics/types.js';
import type { Logger } from '../../../shared/log.js';
import { EventRecorder, gatewayWriter, type GatewayClient, type ObjectWriter } from '../../../shared/client/index.js';
import { isConflict, isNotFound } from '../../../shared/errors.js';
import { matchesLabels, parseLabelSelector } from '../../../shared/resources/selectors.js';
import { WorkQueue, objectKey, startController, type Informer, type Reconcile, type ReconcileResult } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { planHpa, type ScaleView } from './plan.js';
import { EMPTY_HISTORY, type ScaleHistory } from './behavior.js';
import { DEFAULT_HPA_CONFIG, type HpaControllerConfig } from './config.js';

export const HPA_CONTROLLER = 'horizontal-pod-autoscaler';

/** The target's Scale and the metrics API, as the controller reaches them (the gateway; a twin in tests). */
export interface ScalePort {
  getScale(namespace: string, ref: HorizontalPodAutoscaler['spec']['scaleTargetRef']): Promise<ScaleView & { readonly resourceVersion?: string }>;
  setScale(namespace: string, ref: HorizontalPodAutoscaler['spec']['scaleTargetRef'], replicas: number, resourceVersion?: string): Promise<void>;
  podMetrics(namespace: string, selector: string): Promise<readonly PodMetrics[]>;
}

interface ApiResourceList {
  readonly resources: readonly { readonly name: string; readonly kind: string }[];
}

/** The gateway as ScalePort: the target's plural from discovery (its group version's resource list), cached. */
export function gatewayScalePort(client: GatewayClient): ScalePort {
  const plurals = new Map<string, Promise<ApiResourceList>>();
  const path = async (ns: string, ref: HorizontalPodAutoscaler['spec']['scaleTargetRef']) => {
    const gv = ref.apiVersion ?? 'v1';
    const base = gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`;
    let list = plurals.get(gv);
    if (!list) {
      list = client.request<ApiResourceList>('GET', base);
      plurals.set(gv, list);
      list.catch(() => plurals.delete(gv));
    }
    const resources = (await list).resources;
    const r = resources.find((x) => x.kind === ref.kind && !x.name.includes('/'));
    if (!r || !resources.some((x) => x.name === `${r.name}/scale`)) {
      plurals.delete(gv); // a CRD may serve it soon
      const group = gv.includes('/') ? gv.split('/')[0] : '';
      throw new Error(`no matches for kind "${ref.kind}" in group "${group}" with a scale subresource`);
    }
    return `${base}/namespaces/${encodeURIComponent(ns)}/${r.name}/${encodeURIComponent(ref.name)}/scale`;
  };
  return {
    async getScale(ns, ref) {
      const s = await client.request<{ metadata: { resourceVersion?: string }; spec: { replicas?: number }; status: { selector?: string } }>('GET', await path(ns, ref));
      return { replicas: s.spec?.replicas ?? 0, selector: s.status?.selector ?? '', ...(s.metadata?.resourceVersion ? { resourceVersion: s.metadata.resourceVersion } : {}) };
    },
    async setScale(ns, ref, replicas, resourceVersion) {
      await client.request('PUT', await path(ns, ref), {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: ref.name, namespace: ns, ...(resourceVersion ? { resourceVersion } : {}) },
        spec: { replicas },
      });
    },
    async podMetrics(ns, selector) {
      const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
      const list = await client.request<{ items: PodMetrics[] }>('GET', `/apis/${METRICS_API_VERSION}/namespaces/${encodeURIComponent(ns)}/pods${q}`);
      return list.items ?? [];
    },
  };
}

export interface HpaReconcilerDeps {
  readonly hpas: Informer<HorizontalPodAutoscaler>;
  readonly pods: Informer<Pod>;
  readonly scales: ScalePort;
  readonly writer: ObjectWriter;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly now: () => Date;
  readonly cfg: HpaControllerConfig;
  readonly log: Logger;
}

export const horizontalPodAutoscalerController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'horizontalpodautoscaling' });
  const hpas = ctx.informers.informer<HorizontalPodAutoscaler>('horizontalpodautoscalers');
  const pods = ctx.informers.informer<Pod>('pods');
  const recorder = new EventRecorder(ctx.client, { component: HPA_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const cfg: HpaControllerConfig = { ...DEFAULT_HPA_CONFIG, ...opts.hpa };
  const handlers = [
    hpas.addEventHandler({
      onAdd: (h) => queue.add(objectKey(h)),
      // Only spec changes: its own status writes would otherwise resync it at once.
      onUpdate: (old, h) => old.metadata.generation !== h.metadata.generation && queue.add(objectKey(h)),
      onDelete: (h) => queue.add(objectKey(h)),
    }),
  ];
  return startController({
    name: 'horizontalpodautoscaling',
    informers: [hpas, pods],
    queue,
    reconcile: hpaReconciler({ hpas, pods, scales: gatewayScalePort(ctx.client), writer: gatewayWriter(ctx.client), recorder, now: opts.now, cfg, log }),
    workers: opts.workers,
    recorder,
    handlers,
    log,
  });
};

const message = (e: unknown) => (e as Error).message ?? String(e);

/** reconcile(`namespace/name`): one autoscaler, then again after the sync period. */
export function hpaReconciler(deps: HpaReconcilerDeps): Reconcile {
  const histories = new Map<string, ScaleHistory>();
  const client = deps.writer.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers');
  return async (key): Promise<ReconcileResult | void> => {
    const hpa = deps.hpas.get(key);
    if (!hpa) {
      histories.delete(key);
      return;
    }
    const ns = hpa.metadata.namespace ?? 'default';
    const ref = hpa.spec.scaleTargetRef;
    let scale: (ScaleView & { resourceVersion?: string }) | { error: string };
    try {
      scale = await deps.scales.getScale(ns, ref);
    } catch (e) {
      scale = { error: message(e) };
    }
    let pods: Pod[] = [];
    let metrics: readonly PodMetrics[] | { error: string } = [];
    if (!('error' in scale) && scale.selector) {
      try {
        const sel = parseLabelSelector(scale.selector);
        pods = deps.pods.listByNamespace(ns).filter((p) => matchesLabels(sel, p.metadata.labels));
        metrics = await deps.scales.podMetrics(ns, scale.selector).catch((e: unknown) => ({ error: message(e) }));
      } catch (e) {
        metrics = { error: message(e) };
      }
    }
    const now = deps.now();
    const plan = planHpa({ hpa, scale, pods, metrics, history: histories.get(key) ?? EMPTY_HISTORY, now, cfg: deps.cfg });
    let status = plan.status;
    let events = plan.events;
    if (plan.rescale !== undefined && !('error' in scale)) {
      try {
        await deps.scales.setScale(ns, ref, plan.rescale, scale.resourceVersion);
        histories.set(key, plan.history);
      } catch (e) {
        if (isConflict(e)) throw e; // the target changed: read it again
        const rescaled = events.find((x) => x.reason === 'SuccessfulRescale');
        events = [
          ...events.filter((x) => x !== rescaled),
          { type: 'Warning', reason: 'FailedRescale', message: `${rescaled?.message ?? `New size: ${plan.rescale}`}; error: ${message(e)}` },
        ];
        status = {
          ...hpa.status,
          desiredReplicas: hpa.status?.desiredReplicas ?? 0,
          conditions: (plan.status.conditions ?? []).map((c) =>
            c.type === 'AbleToScale' ? { ...c, status: 'False' as const, reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${message(e)}` } : c,
          ),
        };
      }
    } else histories.set(key, plan.history);
    if (!isDeepStrictEqual(status, hpa.status)) {
      try {
        await client.updateStatus({ ...hpa, status });
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
      }
    }
    for (const ev of events) deps.recorder.record(hpa, ev.type, ev.reason, ev.message);
    if (events.length) deps.log.info({ key, events: events.map((e) => `${e.reason}: ${e.message}`) }, 'HorizontalPodAutoscaler reconciled');
    return { requeueAfter: deps.cfg.syncPeriodMs };
  };
}
