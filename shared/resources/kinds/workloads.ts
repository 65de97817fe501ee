/** ReplicaSet and Deployment: status and scale subresources, generation. */
import type { KindStrategy } from '../strategy.js';
import type { Deployment, ReplicaSet } from '../types.js';
import { defaultDeployment, defaultReplicaSet } from '../defaults.js';
import { validateDeployment, validateReplicaSet } from '../workload-validation.js';

export const replicaSetStrategy: KindStrategy = {
  kind: 'ReplicaSet',
  statusSubresource: true,
  generation: true,
  defaults: defaultReplicaSet,
  validate: (obj, old) => validateReplicaSet(obj as ReplicaSet, old as ReplicaSet | undefined),
};

export const deploymentStrategy: KindStrategy = {
  kind: 'Deployment',
  statusSubresource: true,
  generation: true,
  defaults: defaultDeployment,
  validate: (obj, old) => validateDeployment(obj as Deployment, old as Deployment | undefined),
};
