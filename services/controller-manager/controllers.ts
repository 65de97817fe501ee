/** Every controller the controller-manager runs, by name (the `--controllers` flag's vocabulary). */
import type { ControllerFactory } from './manager.js';
import { garbageCollector } from './gc/controller.js';
import { namespaceController } from './namespace/controller.js';
import { startReplicaSetController } from './replicaset/controller.js';
import { startDeploymentController } from './deployment/controller.js';
import { startNodeLifecycleController } from './nodelifecycle/controller.js';
import { endpointsController } from './endpoints/controller.js';
import { serviceAccountController } from './serviceaccount/controller.js';
import { disruptionController } from './disruption/controller.js';
import { daemonSetController } from './daemonset/controller.js';
import { startJobController } from './job/controller.js';
import { startCronJobController } from './cronjob/controller.js';
import { statefulSetController } from './statefulset/controller.js';
import { rootCACertPublisher } from './rootca/controller.js';
import { clusterRoleAggregation } from './clusterroleaggregation/controller.js';
import { localPathProvisioner, persistentVolumeController } from './volume/controller.js';
import { horizontalPodAutoscalerController } from './hpa/controller.js';

export const CONTROLLERS: Readonly<Record<string, ControllerFactory>> = {
  garbagecollector: garbageCollector,
  namespace: namespaceController,
  replicaset: startReplicaSetController,
  deployment: startDeploymentController,
  nodelifecycle: startNodeLifecycleController,
  endpoints: endpointsController,
  serviceaccount: serviceAccountController,
  disruption: disruptionController,
  daemonset: daemonSetController,
  job: startJobController,
  cronjob: startCronJobController,
  statefulset: statefulSetController,
  rootcacertpublisher: rootCACertPublisher,
  'clusterrole-aggregation': clusterRoleAggregation,
  'persistentvolume-binder': persistentVolumeController,
  'local-path-provisioner': localPathProvisioner,
  horizontalpodautoscaling: horizontalPodAutoscalerController,
};
