/** Service: status through /status, generation; cluster IPs and node ports are reservations (services/gateway/service-ips.ts). */
import type { KindStrategy } from '../strategy.js';
import type { Service } from '../types.js';
import { defaultService } from '../defaults.js';
import { validateService } from '../service-validation.js';

export const serviceStrategy: KindStrategy = {
  kind: 'Service',
  statusSubresource: true,
  generation: true,
  defaults: defaultService,
  validate: (obj, old) => validateService(obj as Service, old as Service | undefined),
};
