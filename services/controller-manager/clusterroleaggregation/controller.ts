/**
 * The clusterrole-aggregation controller's I/O: key = the name of a ClusterRole with an
 * aggregationRule. Any ClusterRole added, changed or deleted may change what those aggregate, so
 * every aggregating role is queued (as Kubernetes does); reconcile writes what planAggregation says,
 * with the resourceVersion it observed (a 409 requeues with a fresher cache).
 */
import type { ClusterRole } from '../../../shared/resources/rbac.js';
import { isNotFound } from '../../../shared/errors.js';
import { gatewayWriter, type ObjectWriter } from '../../../shared/client/index.js';
import { startController, WorkQueue, type Informer, type Reconcile } from '../../../shared/informer/index.js';
import type { ControllerFactory } from '../manager.js';
import { planAggregation } from './plan.js';

export const CLUSTERROLE_AGGREGATION_CONTROLLER = 'clusterrole-aggregation';

export const clusterRoleAggregation: ControllerFactory = (ctx, { workers }) => {
  const roles = ctx.informers.informer<ClusterRole>('clusterroles');
  const queue = new WorkQueue();
  const enqueueAggregating = () => {
    for (const r of roles.list()) if (r.aggregationRule) queue.add(r.metadata.name ?? '');
  };
  const handlers = [roles.addEventHandler({ onAdd: enqueueAggregating, onUpdate: enqueueAggregating, onDelete: enqueueAggregating })];
  return startController({
    name: CLUSTERROLE_AGGREGATION_CONTROLLER,
    informers: [roles],
    queue,
    reconcile: aggregationReconciler(roles, gatewayWriter(ctx.client)),
    workers,
    handlers,
    log: ctx.log,
  });
};

export function aggregationReconciler(roles: Informer<ClusterRole>, writer: ObjectWriter): Reconcile {
  const client = writer.resource<ClusterRole>('clusterroles');
  return async (name) => {
    const action = planAggregation(roles.getByName(undefined, name), roles.list());
    if (action.kind === 'none') return;
    try {
      await client.update(action.role);
    } catch (e) {
      if (!isNotFound(e)) throw e; // deleted meanwhile: nothing to fill
    }
  };
}
