/**
 * The PersistentVolume controller and the local-path provisioner: I/O only (the decisions are
 * plan.ts and provision.ts).
 *
 * `persistentvolume-binder` (Kubernetes' persistentvolume-binder, pvc-protection and
 * pv-protection controllers in one): keys are `claim:<ns>/<name>` and `volume:<name>`. A claim's
 * change queues the claim and its volume; a volume's change queues the volume and the claim its
 * claimRef names; a StorageClass queues every unbound claim; a pod queues the claims it mounts (a
 * claim being deleted waits for its last pod). reconcile executes the plan's one write with the
 * resourceVersion it saw (409: requeued with a fresher cache), and records the plan's event when
 * it differs from the last one recorded for that object, so a redelivered event writes nothing.
 *
 * `local-path-provisioner`: keys are claims; creates the volume provisionedVolume describes.
 * AlreadyExists is success (the same name, made before).
 */
import type { Pod } from '../../../shared/resources/types.js';
import type { KObject } from '../../../shared/resources/meta.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../shared/resources/storage-types.js';
import type { Informer, Reconcile } from '../../../shared/informer/index.js';
import type { Logger } from '../../../shared/log.js';
import { WorkQueue, keyOf, objectKey, startController } from '../../../shared/informer/index.js';
import { EventRecorder, gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { isAlreadyExists, isNotFound } from '../../../shared/errors.js';
import type { ControllerFactory } from '../manager.js';
import { planClaim, planVolume, type VolumeAction, type VolumeEvent } from './plan.js';
import { planProvision } from './provision.js';
import { LOCAL_PATH_PROVISIONER } from '../../../shared/storage/local-path.js';

export const PV_CONTROLLER = 'persistentvolume-controller';

const CLAIM = 'claim:';
const VOLUME = 'volume:';

/** The claims a pod mounts, as cache keys. */
export function claimKeysOf(pod: Pod): string[] {
  const ns = pod.metadata.namespace ?? '';
  return (pod.spec?.volumes ?? [])
    .map((v) => (v.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName)
    .filter((n): n is string => !!n)
    .map((n) => keyOf(ns, n));
}

const finished = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Remembers the last event per object so a steady state is reported once, not on every sync. */
class EventOnce {
  private readonly last = new Map<string, string>();
  constructor(private readonly recorder: Pick<EventRecorder, 'record'>) {}
  record(obj: KObject, ev: VolumeEvent | undefined): void {
    const k = `${obj.kind}/${objectKey(obj)}/${obj.metadata.uid ?? ''}`;
    if (!ev) return;
    const text = `${ev.type}/${ev.reason}/${ev.message}`;
    if (this.last.get(k) === text) return;
    this.last.set(k, text);
    this.recorder.record(obj, ev.type, ev.reason, ev.message);
  }
  forget(obj: KObject): void {
    this.last.delete(`${obj.kind}/${objectKey(obj)}/${obj.metadata.uid ?? ''}`);
  }
}

export interface PVReconcilerDeps {
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly volumes: Informer<PersistentVolume>;
  readonly classes: Informer<StorageClass>;
  readonly pods: Informer<Pod>;
  readonly writer: ObjectWriter;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

export function persistentVolumeReconciler(deps: PVReconcilerDeps): Reconcile & { forget(obj: KObject): void } {
  const { claims, volumes, classes, pods, log } = deps;
  const claimClient = deps.writer.resource<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumeClient = deps.writer.resource<PersistentVolume>('persistentvolumes');
  const events = new EventOnce(deps.recorder);

  async function execute(action: VolumeAction): Promise<void> {
    try {
      switch (action.type) {
        case 'updateClaim':
          await claimClient.update(action.claim);
          log.info({ claim: objectKey(action.claim), why: action.why }, 'updated claim');
          return;
        case 'updateClaimStatus':
          await claimClient.updateStatus(action.claim);
          log.info({ claim: objectKey(action.claim), phase: action.claim.status?.phase, why: action.why }, 'updated claim status');
          return;
        case 'updateVolume':
          await volumeClient.update(action.volume);
          log.info({ volume: action.volume.metadata.name, why: action.why }, 'updated volume');
          return;
        case 'updateVolumeStatus':
          await volumeClient.updateStatus(action.volume);
          log.info({ volume: action.volume.metadata.name, phase: action.volume.status?.phase, why: action.why }, 'updated volume status');
          return;
        case 'deleteVolume':
          await volumeClient.delete(undefined, action.name, { preconditions: { uid: action.uid } });
          log.info({ volume: action.name }, 'deleted released volume (reclaim policy Delete)');
          return;
        default: {
          const never: never = action;
          throw new Error(`unknown volume action ${JSON.stringify(never)}`);
        }
      }
    } catch (e) {
      if (isNotFound(e)) return; // gone meanwhile: its delete event requeues what depends on it
      throw e;
    }
  }

  const reconcile = async (key: string): Promise<void> => {
    if (key.startsWith(CLAIM)) {
      const claim = claims.get(key.slice(CLAIM.length));
      if (!claim) return;
      const ns = claim.metadata.namespace ?? '';
      const name = claim.metadata.name ?? '';
      const users = pods.listByNamespace(ns).filter((p) => !finished(p) && claimKeysOf(p).includes(keyOf(ns, name)));
      const unscheduledPods = users.filter((p) => !p.spec.nodeName).map((p) => p.metadata.name ?? '').sort();
      const plan = planClaim(claim, { volumes: volumes.list(), classes: classes.list(), inUse: users.length > 0, unscheduledPods });
      events.record(claim, plan.event);
      if (plan.action) await execute(plan.action);
      return;
    }
    if (key.startsWith(VOLUME)) {
      const pv = volumes.get(key.slice(VOLUME.length));
      if (!pv) return;
      const ref = pv.spec?.claimRef;
      let claim = ref?.name ? claims.getByName(ref.namespace ?? '', ref.name) : undefined;
      if (ref?.name && ref.uid && claim?.metadata.uid !== ref.uid && pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
        // As Kubernetes does before releasing a volume: the claim (just made by a provisioner's
        // client, or newer than this cache) is looked up live, so a lagging cache never releases
        // (and with Delete, deletes) a volume whose claim exists.
        claim = await claimClient.get(ref.namespace ?? '', ref.name).catch((e: unknown) => {
          if (isNotFound(e)) return undefined;
          throw e;
        });
      }
      const plan = planVolume(pv, claim);
      events.record(pv, plan.event);
      if (plan.action) await execute(plan.action);
    }
  };
  return Object.assign(reconcile, { forget: (obj: KObject) => events.forget(obj) });
}

export const persistentVolumeController: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'persistentvolume-binder' });
  const claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes');
  const classes = ctx.informers.informer<StorageClass>('storageclasses');
  const pods = ctx.informers.informer<Pod>('pods');
  const recorder = new EventRecorder(ctx.client, { component: PV_CONTROLLER, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = persistentVolumeReconciler({ claims, volumes, classes, pods, writer: gatewayWriter(ctx.client), recorder, log });

  const onClaim = (c: PersistentVolumeClaim) => {
    queue.add(CLAIM + objectKey(c));
    if (c.spec?.volumeName) queue.add(VOLUME + c.spec.volumeName);
  };
  const onVolume = (v: PersistentVolume) => {
    queue.add(VOLUME + (v.metadata.name ?? ''));
    const ref = v.spec?.claimRef;
    if (ref?.name) queue.add(CLAIM + keyOf(ref.namespace ?? '', ref.name));
  };
  const onClass = () => {
    for (const c of claims.list()) if (!c.spec?.volumeName) queue.add(CLAIM + objectKey(c));
  };
  const onPod = (p: Pod) => {
    // A claim being deleted may lose its last user; an unbound one may gain a pod to wait for.
    for (const k of claimKeysOf(p)) {
      const c = claims.get(k);
      if (c && (c.metadata.deletionTimestamp || !c.spec?.volumeName)) queue.add(CLAIM + k);
    }
  };
  const handlers = [
    claims.addEventHandler({
      onAdd: onClaim,
      onUpdate: (_o, c) => onClaim(c),
      onDelete: (c) => {
        reconcile.forget(c);
        onClaim(c);
      },
    }),
    volumes.addEventHandler({
      onAdd: onVolume,
      onUpdate: (_o, v) => onVolume(v),
      onDelete: (v) => {
        reconcile.forget(v);
        onVolume(v);
      },
    }),
    classes.addEventHandler({ onAdd: onClass, onUpdate: onClass }),
    pods.addEventHandler({ onAdd: onPod, onUpdate: (_o, p) => onPod(p), onDelete: onPod }),
  ];

  return startController({ name: 'persistentvolume-binder', informers: [claims, volumes, classes, pods], queue, reconcile, workers: opts.workers, recorder, handlers, log });
};

export interface ProvisionerDeps {
  readonly claims: Informer<PersistentVolumeClaim>;
  readonly volumes: Informer<PersistentVolume>;
  readonly classes: Informer<StorageClass>;
  readonly writer: ObjectWriter;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly log: Logger;
}

export function provisionerReconciler(deps: ProvisionerDeps): Reconcile {
  const { claims, volumes, classes, log } = deps;
  const volumeClient = deps.writer.resource<PersistentVolume>('persistentvolumes');
  const events = new EventOnce(deps.recorder);
  return async (key) => {
    const claim = claims.get(key);
    if (!claim) return;
    const d = planProvision(claim, classes.list(), (n) => volumes.getByName(undefined, n) !== undefined);
    switch (d.type) {
      case 'none':
        return;
      case 'fail':
        events.record(claim, d.event);
        return;
      case 'create': {
        const name = d.volume.metadata.name ?? '';
        events.record(claim, { type: 'Normal', reason: 'Provisioning', message: `External provisioner is provisioning volume for claim "${objectKey(claim)}"` });
        try {
          await volumeClient.create(undefined, d.volume);
        } catch (e) {
          if (isAlreadyExists(e)) return;
          events.record(claim, { type: 'Warning', reason: 'ProvisioningFailed', message: `failed to provision volume with StorageClass "${claim.spec?.storageClassName ?? ''}": ${e instanceof Error ? e.message : String(e)}` });
          throw e;
        }
        log.info({ claim: key, volume: name, node: d.node }, 'provisioned local-path volume');
        events.record(claim, { type: 'Normal', reason: 'ProvisioningSucceeded', message: `Successfully provisioned volume ${name}` });
        return;
      }
      default: {
        const never: never = d;
        throw new Error(`unknown decision ${JSON.stringify(never)}`);
      }
    }
  };
}

export const localPathProvisioner: ControllerFactory = (ctx, opts) => {
  const log = ctx.log.child({ controller: 'local-path-provisioner' });
  const claims = ctx.informers.informer<PersistentVolumeClaim>('persistentvolumeclaims');
  const volumes = ctx.informers.informer<PersistentVolume>('persistentvolumes');
  const classes = ctx.informers.informer<StorageClass>('storageclasses');
  const recorder = new EventRecorder(ctx.client, { component: `${LOCAL_PATH_PROVISIONER.replace('/', '_')}`, now: opts.now, log });
  const queue = new WorkQueue();
  const reconcile = provisionerReconciler({ claims, volumes, classes, writer: gatewayWriter(ctx.client), recorder, log });
  const onClaim = (c: PersistentVolumeClaim) => queue.add(objectKey(c));
  const handlers = [
    claims.addEventHandler({ onAdd: onClaim, onUpdate: (_o, c) => onClaim(c) }),
    volumes.addEventHandler({
      onDelete: (v) => {
        const ref = v.spec?.claimRef;
        if (ref?.name) queue.add(keyOf(ref.namespace ?? '', ref.name));
      },
    }),
  ];
  return startController({ name: 'local-path-provisioner', informers: [claims, volumes, classes], queue, reconcile, workers: opts.workers, recorder, handlers, log });
};

