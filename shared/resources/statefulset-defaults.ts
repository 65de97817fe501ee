/**
 * StatefulSet defaults (pure), as Kubernetes' apps/v1 SetDefaults_StatefulSet applies them on
 * create and update: podManagementPolicy OrderedReady; updateStrategy RollingUpdate with
 * rollingUpdate.partition 0 (no rollingUpdate for OnDelete); replicas 1; revisionHistoryLimit 10;
 * persistentVolumeClaimRetentionPolicy Retain/Retain (each unset half); and each
 * volumeClaimTemplate as a v1 PersistentVolumeClaim with volumeMode Filesystem and phase Pending.
 * maxUnavailable gets no default: its feature gate is off in 1.32 (validation refuses it).
 */
import type { PersistentVolumeClaimTemplate, StatefulSet, StatefulSetSpec } from './statefulset-types.js';

function defaultClaimTemplate(t: PersistentVolumeClaimTemplate): PersistentVolumeClaimTemplate {
  const spec = { ...(t.spec ?? {}) } as Record<string, unknown>;
  if (spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
  const status = { ...((t as { status?: Record<string, unknown> }).status ?? {}) };
  if (status.phase === undefined) status.phase = 'Pending';
  return { ...t, apiVersion: t.apiVersion ?? 'v1', kind: t.kind ?? 'PersistentVolumeClaim', spec, status } as PersistentVolumeClaimTemplate;
}

export function defaultStatefulSetSpec(spec: StatefulSetSpec): StatefulSetSpec {
  const type = spec.updateStrategy?.type ?? 'RollingUpdate';
  const updateStrategy =
    type === 'RollingUpdate'
      ? { ...spec.updateStrategy, type, rollingUpdate: { ...spec.updateStrategy?.rollingUpdate, partition: spec.updateStrategy?.rollingUpdate?.partition ?? 0 } }
      : { ...spec.updateStrategy, type };
  const p = spec.persistentVolumeClaimRetentionPolicy;
  return {
    ...spec,
    replicas: spec.replicas ?? 1,
    podManagementPolicy: spec.podManagementPolicy ?? 'OrderedReady',
    updateStrategy,
    revisionHistoryLimit: spec.revisionHistoryLimit ?? 10,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' },
    ...(spec.volumeClaimTemplates ? { volumeClaimTemplates: spec.volumeClaimTemplates.map(defaultClaimTemplate) } : {}),
  };
}

/** The set with its spec defaulted (metadata and status untouched). */
export function defaultStatefulSet(set: StatefulSet): StatefulSet {
  return { ...set, spec: defaultStatefulSetSpec(set.spec) };
}
