/** The built-in kinds' strategies (strategy.ts registers them). */
import type { KindStrategy } from '../strategy.js';
import { podStrategy } from './pod.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { serviceStrategy } from './service.js';
import { deploymentStrategy, replicaSetStrategy } from './workloads.js';
import { configMapStrategy, endpointsStrategy, eventStrategy, leaseStrategy, secretStrategy, serviceAccountStrategy } from './small.js';

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
];
