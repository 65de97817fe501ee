/**
 * `jkctl rollout status|history|undo ds/NAME`, as kubectl does them client-side for DaemonSets:
 *  - status: polymorphichelpers DaemonSetStatusViewer's lines (RollingUpdate only);
 *  - history: the DaemonSet's ControllerRevisions (REVISION, CHANGE-CAUSE), or one revision's pod
 *    template;
 *  - undo: DaemonSetRollbacker: the revision's data (a strategic merge patch replacing
 *    spec.template) applied to the DaemonSet; the controller then renumbers that revision.
 */
import type { DaemonSet } from '../../shared/resources/daemonset-types.js';
import { revisionMatches, templateOfRevision } from '../controller-manager/daemonset/revisions.js';
import { CliError } from './errors.js';
import { revisionRollout } from './rollout-revisions.js';

/** DaemonSetStatusViewer.Status. Throws for a strategy other than RollingUpdate. */
export function daemonSetRolloutStatus(ds: DaemonSet): { done: boolean; message: string } {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    throw new CliError('rollout status is only available for RollingUpdate strategy type');
  }
  const name = ds.metadata.name;
  const st = ds.status;
  if ((ds.metadata.generation ?? 0) > (st?.observedGeneration ?? 0)) return { done: false, message: 'Waiting for daemon set spec update to be observed...' };
  const desired = st?.desiredNumberScheduled ?? 0;
  const updated = st?.updatedNumberScheduled ?? 0;
  const available = st?.numberAvailable ?? 0;
  if (updated < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...` };
  if (available < desired) return { done: false, message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...` };
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

export const daemonSetRollout = revisionRollout<DaemonSet>({
  plural: 'daemonsets',
  noun: 'daemon set',
  status: daemonSetRolloutStatus,
  templateOf: templateOfRevision,
  matches: revisionMatches,
});
