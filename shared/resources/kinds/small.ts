/** The kinds with no status subresource: Endpoints, ConfigMap, Secret, ServiceAccount, Event, Lease. */
import type { KindStrategy } from '../strategy.js';
import type { ConfigMap, Endpoints, Event, Lease, Secret } from '../types.js';
import { defaultEndpoints, defaultSecret } from '../defaults.js';
import { validateEvent, validateLease } from '../validation.js';
import { validateEndpoints } from '../service-validation.js';
import { validateConfigMap, validateSecret } from '../config-validation.js';

export const endpointsStrategy: KindStrategy = {
  kind: 'Endpoints',
  statusSubresource: false,
  generation: false,
  defaults: defaultEndpoints,
  validate: (obj) => validateEndpoints(obj as Endpoints),
};

export const configMapStrategy: KindStrategy = {
  kind: 'ConfigMap',
  statusSubresource: false,
  generation: false,
  validate: (obj, old) => validateConfigMap(obj as ConfigMap, old as ConfigMap | undefined),
};

export const secretStrategy: KindStrategy = {
  kind: 'Secret',
  statusSubresource: false,
  generation: false,
  defaults: defaultSecret,
  validate: (obj, old) => validateSecret(obj as Secret, old as Secret | undefined),
};

export const serviceAccountStrategy: KindStrategy = { kind: 'ServiceAccount', statusSubresource: false, generation: false };

export const eventStrategy: KindStrategy = {
  kind: 'Event',
  statusSubresource: false,
  generation: false,
  validate: (obj) => validateEvent(obj as Event),
};

export const leaseStrategy: KindStrategy = {
  kind: 'Lease',
  statusSubresource: false,
  generation: true,
  validate: (obj) => validateLease(obj as Lease),
};
