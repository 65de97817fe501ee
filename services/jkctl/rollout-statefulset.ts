/**
 * `jkctl rollout status|history|undo sts/NAME`, as kubectl does them client-side for StatefulSets:
 *  - status: polymorphichelpers StatefulSetStatusViewer's lines (RollingUpdate only; with a
 *    partition — the default carries partition 0 — the "partitioned roll out" lines);
 *  - history: the set's ControllerRevisions (REVISION, CHANGE-CAUSE), or one revision's pod template;
 *  - undo: StatefulSetRollbacker: the revision's data (a strategic merge patch replacing
 *    spec.template) applied to the set; the controller then renumbers that revision.
 */
import type { ControllerRevision, StatefulSet } from '../../shared/resources/statefulset-types.js';
import { revisionTemplate } from '../controller-manager/statefulset/revision.js';
import { canonicalTemplateJson } from '../controller-manager/deployment/hash.js';
import { CliError } from './errors.js';
import { revisionRollout } from './rollout-revisions.js';

/** StatefulSetStatusViewer.Status. Throws for a strategy other than RollingUpdate. */
export function statefulSetRolloutStatus(s: StatefulSet): { done: boolean; message: string } {
  const strategy = s.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const st = s.status;
  const observed = st?.observedGeneration ?? 0;
  if (observed === 0 || (s.metadata.generation ?? 0) > observed) return { done: false, message: 'Waiting for statefulset spec update to be observed...' };
  const replicas = s.spec.replicas;
  const ready = st?.readyReplicas ?? 0;
  if (replicas !== undefined && ready < replicas) return { done: false, message: `Waiting for ${replicas - ready} pods to be ready...` };
  const updated = st?.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate !== undefined) {
    const partition = strategy.rollingUpdate.partition;
    if (replicas !== undefined && partition !== undefined && updated < replicas - partition) {
      return { done: false, message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...` };
    }
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated...` };
  }
  if (st?.updateRevision !== st?.currentRevision) {
    return { done: false, message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${st?.updateRevision ?? ''}...` };
  }
  return { done: true, message: `statefulset rolling update complete ${st?.currentReplicas ?? 0} pods at revision ${st?.currentRevision ?? ''}...` };
}

/** Whether the revision holds the set's template. */
export function statefulSetRevisionMatches(s: StatefulSet, r: ControllerRevision): boolean {
  const t = revisionTemplate(r);
  return t !== undefined && canonicalTemplateJson(t) === canonicalTemplateJson(s.spec.template);
}

export const statefulSetRollout = revisionRollout<StatefulSet>({
  plural: 'statefulsets',
  noun: 'statefulset',
  status: statefulSetRolloutStatus,
  templateOf: revisionTemplate,
  matches: statefulSetRevisionMatches,
});
