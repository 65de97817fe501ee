/**
 * The PersistentVolume controller's decisions (Kubernetes' pkg/controller/volume/persistentvolume
 * syncClaim / syncVolume, pvc-protection and pv-protection), as pure functions of the cached
 * objects. Each plan is at most one write (the next step of binding or release) plus the event
 * that goes with the state it found; the write's own watch event brings the next step, so a
 * redelivered event finds nothing to do.
 *
 * Claim (syncClaim):
 * | state                                                   | next step                                            |
 * |---------------------------------------------------------|------------------------------------------------------|
 * | deleting, protection finalizer, no pod uses it          | remove kubernetes.io/pvc-protection                  |
 * | deleting otherwise                                      | nothing                                              |
 * | unbound, a volume matches                               | bind: volume claimRef → volume Bound → claim         |
 * |                                                         | volumeName + bind-completed → claim Bound            |
 * | no match, no class (nil), a default class exists        | spec.storageClassName = newest default class         |
 * | unbound, WaitForFirstConsumer, no selected node         | event WaitForFirstConsumer (WaitForPodScheduled when |
 * |                                                         | pods using it are not scheduled yet)                 |
 * | unbound, class with a provisioner                       | annotate storage-provisioner; event ExternalProvisioning |
 * | unbound, class named but missing                        | event ProvisioningFailed (class not found)           |
 * | unbound, no class                                       | event FailedBinding                                  |
 * | volumeName set, volume bound to another claim           | event FailedBinding                                  |
 * | bind-completed, volume gone or volumeName empty         | phase Lost, event ClaimLost                          |
 * | bind-completed, volume bound to another claim           | phase Lost, event ClaimMisbound                      |
 *
 * Volume (syncVolume):
 * | state                                                   | next step                                            |
 * |---------------------------------------------------------|------------------------------------------------------|
 * | deleting, protection finalizer, phase not Bound         | remove kubernetes.io/pv-protection                   |
 * | no claimRef, or claimRef without uid (pre-bound)        | phase Available                                      |
 * | claim gone (or another uid), not Released/Failed        | phase Released                                       |
 * | Released, Retain                                        | nothing (an administrator reclaims it)               |
 * | Released, Delete, made by the local-path provisioner    | delete the volume (the kubelet removes the directory)|
 * | Released, Delete/Recycle otherwise                      | phase Failed, event VolumeFailedDelete / Recycle     |
 * | claim bound to it                                       | phase Bound                                          |
 * | claim bound to another volume, we bound it              | unbind: claimRef removed → Available                 |
 */
import type { KObject } from '../../../shared/resources/meta.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../shared/resources/storage-types.js';
import { ANN, PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER, claimClass, isDefaultClass } from '../../../shared/resources/storage-types.js';
import { cloneJson, deepEqual } from '../../../shared/resources/json.js';
import { findBestMatch, isPreBoundTo } from '../../../shared/storage/binding.js';
import { isLocalPathVolume } from '../../../shared/storage/local-path.js';

export interface VolumeEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export type VolumeAction =
  | { readonly type: 'updateClaim'; readonly claim: PersistentVolumeClaim; readonly why: string }
  | { readonly type: 'updateClaimStatus'; readonly claim: PersistentVolumeClaim; readonly why: string }
  | { readonly type: 'updateVolume'; readonly volume: PersistentVolume; readonly why: string }
  | { readonly type: 'updateVolumeStatus'; readonly volume: PersistentVolume; readonly why: string }
  | { readonly type: 'deleteVolume'; readonly name: string; readonly uid: string };

export interface Plan {
  readonly action?: VolumeAction;
  /** On the object the plan was for (claim or volume). */
  readonly event?: VolumeEvent;
}

export interface ClaimInputs {
  readonly volumes: readonly PersistentVolume[];
  readonly classes: readonly StorageClass[];
  /** A pod that is not finished names the claim in its volumes. */
  readonly inUse: boolean;
  /** Pods using the claim that are not scheduled yet (WaitForPodScheduled), sorted. */
  readonly unscheduledPods?: readonly string[];
  readonly selectedNodeLabels?: Readonly<Record<string, string>>;
}

export const MESSAGES = {
  waitForFirstConsumer: 'waiting for first consumer to be created before binding',
  noClass: 'no persistent volumes available for this claim and no storage class is set',
  claimLostReference: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!',
  claimLostVolume: 'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
  waitForPodScheduled: (pods: readonly string[]) => (pods.length > 1 ? `waiting for pods ${pods.join(',')} to be scheduled` : `waiting for pod ${pods[0] ?? ''} to be scheduled`),
  claimMisbound: 'Two claims are bound to the same volume, this one is bound incorrectly',
  externalProvisioning: (p: string) =>
    `Waiting for a volume to be created either by the external provisioner '${p}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  classNotFound: (c: string) => `storageclass.storage.k8s.io "${c}" not found`,
  boundElsewhere: (v: string) => `volume "${v}" already bound to a different claim.`,
  noDeleter: (v: string) => `error getting deleter volume plugin for volume "${v}": no deletable volume plugin matched`,
  noRecycler: (v: string) => `No recycler plugin found for the volume!`,
} as const;

const withoutFinalizer = <T extends KObject>(o: T, f: string): T => {
  const c = cloneJson(o);
  const rest = (c.metadata.finalizers ?? []).filter((x) => x !== f);
  if (rest.length) c.metadata.finalizers = rest;
  else delete c.metadata.finalizers;
  return c;
};

/** The newest default class (Kubernetes picks the newest when several are marked), or undefined. */
export function defaultClassOf(classes: readonly StorageClass[]): StorageClass | undefined {
  return classes
    .filter(isDefaultClass)
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}

const hasClassNil = (c: PersistentVolumeClaim): boolean =>
  (c.spec?.storageClassName === undefined || c.spec.storageClassName === null) && c.metadata.annotations?.[ANN.betaStorageClass] === undefined;

/** The next binding step between a claim and the volume it is bound (or about to be bound) to. */
function bindStep(claim: PersistentVolumeClaim, pv: PersistentVolume): VolumeAction | undefined {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.uid !== claim.metadata.uid || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) {
    const v = cloneJson(pv) as unknown as KObject & { spec: Record<string, unknown> };
    v.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name ?? '', uid: claim.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion ?? '' };
    if (!ref) v.metadata.annotations = { ...(v.metadata.annotations ?? {}), [ANN.boundByController]: 'yes' };
    return { type: 'updateVolume', volume: v as PersistentVolume, why: 'bind volume to claim' };
  }
  if (pv.status?.phase !== 'Bound') {
    return { type: 'updateVolumeStatus', volume: { ...pv, status: { ...(pv.status ?? {}), phase: 'Bound' } }, why: 'volume phase Bound' };
  }
  const ann = claim.metadata.annotations ?? {};
  if (claim.spec?.volumeName !== pv.metadata.name || ann[ANN.bindCompleted] !== 'yes') {
    const c = cloneJson(claim) as PersistentVolumeClaim & { spec: Record<string, unknown> };
    const byController = claim.spec?.volumeName !== pv.metadata.name;
    c.spec = { ...(c.spec ?? {}), volumeName: pv.metadata.name };
    c.metadata.annotations = { ...ann, [ANN.bindCompleted]: 'yes', ...(byController ? { [ANN.boundByController]: 'yes' } : {}) };
    return { type: 'updateClaim', claim: c, why: 'bind claim to volume' };
  }
  const status = { ...(claim.status ?? {}), phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } };
  if (!deepEqual(status, claim.status ?? {})) return { type: 'updateClaimStatus', claim: { ...claim, status }, why: 'claim phase Bound' };
  return undefined;
}

function claimPhase(claim: PersistentVolumeClaim, phase: string, why: string): VolumeAction | undefined {
  if (claim.status?.phase === phase) return undefined;
  return { type: 'updateClaimStatus', claim: { ...claim, status: { ...(claim.status ?? {}), phase } }, why };
}

export function planClaim(claim: PersistentVolumeClaim, inputs: ClaimInputs): Plan {
  const fin = claim.metadata.finalizers ?? [];
  if (claim.metadata.deletionTimestamp) {
    if (fin.includes(PVC_PROTECTION_FINALIZER) && !inputs.inUse) {
      return { action: { type: 'updateClaim', claim: withoutFinalizer(claim, PVC_PROTECTION_FINALIZER), why: 'claim not in use: remove pvc-protection' } };
    }
    return {};
  }
  const volumes = new Map(inputs.volumes.map((v) => [v.metadata.name ?? '', v]));
  const ann = claim.metadata.annotations ?? {};
  const volumeName = claim.spec?.volumeName ?? '';

  if (ann[ANN.bindCompleted] !== undefined) {
    if (!volumeName) return { action: claimPhase(claim, 'Lost', 'volume reference lost'), event: { type: 'Warning', reason: 'ClaimLost', message: MESSAGES.claimLostReference } };
    const pv = volumes.get(volumeName);
    if (!pv) return { action: claimPhase(claim, 'Lost', 'volume lost'), event: { type: 'Warning', reason: 'ClaimLost', message: MESSAGES.claimLostVolume } };
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata.uid) return { action: bindStep(claim, pv) };
    return { action: claimPhase(claim, 'Lost', 'volume bound elsewhere'), event: { type: 'Warning', reason: 'ClaimMisbound', message: MESSAGES.claimMisbound } };
  }

  if (volumeName) {
    const pv = volumes.get(volumeName);
    if (!pv) return { action: claimPhase(claim, 'Pending', 'volume not found') };
    const ref = pv.spec?.claimRef;
    if (!ref || isPreBoundTo(pv, claim)) return { action: bindStep(claim, pv) };
    return { action: claimPhase(claim, 'Pending', 'volume bound elsewhere'), event: { type: 'Warning', reason: 'FailedBinding', message: MESSAGES.boundElsewhere(volumeName) } };
  }

  const className = claimClass(claim);
  const sc = className ? inputs.classes.find((c) => c.metadata.name === className) : undefined;
  const node = ann[ANN.selectedNode];
  const delay = sc?.volumeBindingMode === 'WaitForFirstConsumer' && !node;
  const match = findBestMatch(claim, inputs.volumes, { ...(node ? { node } : {}), ...(inputs.selectedNodeLabels ? { nodeLabels: inputs.selectedNodeLabels } : {}), delayBinding: delay });
  if (match) return { action: bindStep(claim, match) };
  // No volume: a claim without a class (nil) gets the default one (retroactive assignment).
  if (hasClassNil(claim)) {
    const def = defaultClassOf(inputs.classes);
    if (def) {
      const c = cloneJson(claim) as PersistentVolumeClaim & { spec: Record<string, unknown> };
      c.spec = { ...(c.spec ?? {}), storageClassName: def.metadata.name };
      return { action: { type: 'updateClaim', claim: c, why: 'assign the default storage class' } };
    }
  }
  if (delay) {
    const waiting = inputs.unscheduledPods ?? [];
    if (waiting.length) return { event: { type: 'Normal', reason: 'WaitForPodScheduled', message: MESSAGES.waitForPodScheduled(waiting) } };
    return { event: { type: 'Normal', reason: 'WaitForFirstConsumer', message: MESSAGES.waitForFirstConsumer } };
  }
  if (!className) return { event: { type: 'Normal', reason: 'FailedBinding', message: MESSAGES.noClass } };
  if (!sc) return { event: { type: 'Warning', reason: 'ProvisioningFailed', message: MESSAGES.classNotFound(className) } };
  const p = sc.provisioner ?? '';
  if (ann[ANN.storageProvisioner] !== p || ann[ANN.betaStorageProvisioner] !== p) {
    const c = cloneJson(claim);
    c.metadata.annotations = { ...ann, [ANN.storageProvisioner]: p, [ANN.betaStorageProvisioner]: p };
    return { action: { type: 'updateClaim', claim: c, why: 'hand the claim to its provisioner' } };
  }
  return { event: { type: 'Normal', reason: 'ExternalProvisioning', message: MESSAGES.externalProvisioning(p) } };
}

function volumePhase(pv: PersistentVolume, phase: string, message?: string): VolumeAction | undefined {
  if (pv.status?.phase === phase && pv.status.message === message) return undefined;
  const status: Record<string, unknown> = { ...(pv.status ?? {}), phase };
  if (message) status.message = message;
  else delete status.message;
  return { type: 'updateVolumeStatus', volume: { ...pv, status }, why: `volume phase ${phase}` };
}

/** `claim`: the cached claim the volume's claimRef names (by namespace and name), if any. */
export function planVolume(pv: PersistentVolume, claim: PersistentVolumeClaim | undefined): Plan {
  if (pv.metadata.deletionTimestamp && (pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER) && pv.status?.phase !== 'Bound') {
    return { action: { type: 'updateVolume', volume: withoutFinalizer(pv, PV_PROTECTION_FINALIZER), why: 'volume not bound: remove pv-protection' } };
  }
  const ref = pv.spec?.claimRef;
  if (!ref || !ref.uid) return { action: volumePhase(pv, 'Available') };
  if (!claim || claim.metadata.uid !== ref.uid) {
    const phase = pv.status?.phase;
    if (phase !== 'Released' && phase !== 'Failed') return { action: volumePhase(pv, 'Released') };
    if (phase === 'Failed' || pv.metadata.deletionTimestamp) return {};
    switch (pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain') {
      case 'Retain':
        return {};
      case 'Delete':
        if (isLocalPathVolume(pv)) return { action: { type: 'deleteVolume', name: pv.metadata.name ?? '', uid: pv.metadata.uid ?? '' } };
        return { action: volumePhase(pv, 'Failed', MESSAGES.noDeleter(pv.metadata.name ?? '')), event: { type: 'Warning', reason: 'VolumeFailedDelete', message: MESSAGES.noDeleter(pv.metadata.name ?? '') } };
      default:
        return { action: volumePhase(pv, 'Failed', MESSAGES.noRecycler(pv.metadata.name ?? '')), event: { type: 'Warning', reason: 'VolumeFailedRecycle', message: MESSAGES.noRecycler(pv.metadata.name ?? '') } };
    }
  }
  const volumeName = claim.spec?.volumeName ?? '';
  if (!volumeName) return {}; // the claim's sync finishes the binding
  if (volumeName === pv.metadata.name) return { action: volumePhase(pv, 'Bound') };
  if (pv.metadata.annotations?.[ANN.boundByController] === 'yes') {
    const v = cloneJson(pv) as unknown as KObject & { spec: Record<string, unknown> };
    delete v.spec.claimRef;
    const a = { ...(v.metadata.annotations ?? {}) };
    delete a[ANN.boundByController];
    v.metadata.annotations = a;
    return { action: { type: 'updateVolume', volume: v as PersistentVolume, why: 'claim bound elsewhere: unbind' } };
  }
  return {};
}
