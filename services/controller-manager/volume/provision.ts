/**
 * The built-in local-path provisioner's decision (like k3s' local-path-provisioner, run as an
 * external provisioner would be): a claim handed to it (the PV controller's
 * volume.kubernetes.io/storage-provisioner annotation) gets a hostPath volume `pvc-<uid>` on the
 * node the scheduler chose (volume.kubernetes.io/selected-node), pre-bound to the claim; the PV
 * controller then binds the two. Pure.
 *
 * | claim                                                     | decision                              |
 * |-----------------------------------------------------------|---------------------------------------|
 * | deleting, bound (volumeName) or handed to another provisioner | nothing                           |
 * | its class is missing or not ours                          | nothing                               |
 * | volume pvc-<uid> exists                                   | nothing (made before)                 |
 * | a selector, a dataSource / dataSourceRef                  | event ProvisioningFailed (not supported) |
 * | class parameters, mountOptions or allowedTopologies       | event ProvisioningFailed (not supported) |
 * | volumeMode Block                                          | event ProvisioningFailed: Filesystem only |
 * | no selected node (an Immediate class)                     | event ProvisioningFailed: no node     |
 * | selected node                                             | create the volume                     |
 */
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../shared/resources/storage-types.js';
import { ANN, claimClass } from '../../../shared/resources/storage-types.js';
import { LOCAL_PATH_PROVISIONER, provisionedVolume, provisionedVolumeName } from '../../../shared/storage/local-path.js';
import type { VolumeEvent } from './plan.js';

export type ProvisionDecision =
  | { readonly type: 'none' }
  | { readonly type: 'fail'; readonly event: VolumeEvent }
  | { readonly type: 'create'; readonly volume: PersistentVolume; readonly node: string };

export function planProvision(claim: PersistentVolumeClaim, classes: readonly StorageClass[], volumeExists: (name: string) => boolean): ProvisionDecision {
  if (claim.metadata.deletionTimestamp || claim.spec?.volumeName) return { type: 'none' };
  const ann = claim.metadata.annotations ?? {};
  if (ann[ANN.storageProvisioner] !== LOCAL_PATH_PROVISIONER && ann[ANN.betaStorageProvisioner] !== LOCAL_PATH_PROVISIONER) return { type: 'none' };
  const sc = classes.find((c) => c.metadata.name === claimClass(claim));
  if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return { type: 'none' };
  if (volumeExists(provisionedVolumeName(claim))) return { type: 'none' };
  const fail = (why: string): ProvisionDecision => ({ type: 'fail', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": ${why}` } });
  if (claim.spec?.selector) return fail('claim Selector is not supported');
  const params = Object.keys(sc.parameters ?? {});
  if (params.length) return fail(`the local-path provisioner takes no parameters (got ${params.sort().join(', ')})`);
  if (sc.mountOptions?.length) return fail('the local-path provisioner does not support mountOptions');
  if (sc.allowedTopologies?.length) return fail('the local-path provisioner does not support allowedTopologies');
  if (claim.spec?.dataSource || claim.spec?.dataSourceRef) return fail('the local-path provisioner cannot populate a volume from a data source (dataSource / dataSourceRef)');
  if ((claim.spec?.volumeMode ?? 'Filesystem') !== 'Filesystem') {
    return { type: 'fail', event: { type: 'Warning', reason: 'ProvisioningFailed', message: `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": only volumeMode Filesystem is supported` } };
  }
  const node = ann[ANN.selectedNode];
  if (!node) {
    return {
      type: 'fail',
      event: { type: 'Warning', reason: 'ProvisioningFailed', message: `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": configuration error, no node was specified` },
    };
  }
  return { type: 'create', volume: provisionedVolume(claim, sc, node), node };
}
