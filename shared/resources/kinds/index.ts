/** The built-in kinds' strategies (strategy.ts registers them): one file per kind, or per pair that shares its columns. */
import type { KindStrategy } from '../strategy.js';
import { podStrategy } from './pod.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { serviceStrategy } from './service.js';
import { deploymentStrategy, replicaSetStrategy } from './workloads.js';
import { endpointsStrategy } from './endpoints.js';
import { configMapStrategy, secretStrategy } from './config.js';
import { serviceAccountStrategy } from './service-account.js';
import { eventStrategy } from './event.js';
import { leaseStrategy } from './lease.js';
import { podDisruptionBudgetStrategy } from './pdb.js';
import { controllerRevisionStrategy, daemonSetStrategy } from './daemonset.js';
import { cronJobStrategy, jobStrategy } from './batch.js';
import { ingressClassStrategy, ingressStrategy } from './ingress.js';
import { statefulSetStrategy } from './statefulset.js';
import { crdStrategy } from './crd.js';
import { clusterRoleBindingStrategy, clusterRoleStrategy, roleBindingStrategy, roleStrategy } from './rbac.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy, storageClassStrategy } from './storage.js';
import { horizontalPodAutoscalerStrategy } from './hpa.js';

export const BUILT_IN_STRATEGIES: readonly KindStrategy[] = [
  namespaceStrategy,
  nodeStrategy,
  podStrategy,
  serviceStrategy,
  endpointsStrategy,
  configMapStrategy,
  secretStrategy,
  serviceAccountStrategy,
  eventStrategy,
  replicaSetStrategy,
  deploymentStrategy,
  leaseStrategy,
  podDisruptionBudgetStrategy,
  daemonSetStrategy,
  controllerRevisionStrategy,
  jobStrategy,
  cronJobStrategy,
  ingressStrategy,
  ingressClassStrategy,
  statefulSetStrategy,
  crdStrategy,
  roleStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  clusterRoleBindingStrategy,
  persistentVolumeStrategy,
  persistentVolumeClaimStrategy,
  storageClassStrategy,
  horizontalPodAutoscalerStrategy,
];
