/** Service: status through /status, generation; cluster IPs and node ports are reservations (services/gateway/service-ips.ts). */
import type { KindStrategy } from '../strategy.js';
import type { Service } from '../types.js';
import { defaultService } from '../defaults.js';
import { validateService } from '../service-validation.js';
import { get, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { externalIP, formatLabels, portString } from '../../printers/network.js';
import { AGE_COLUMN, NAME_COLUMN, column, orNone, type TablePrinter } from '../../printers/types.js';

/** `kubectl get services` (printers.go printService). */
const servicePrinter: TablePrinter<Service> = {
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  row(svc, now) {
    return [
      svc.metadata.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
      externalIP(svc),
      orNone(portString(svc.spec?.ports)),
      age(svc.metadata.creationTimestamp, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

export const serviceStrategy: KindStrategy = {
  kind: 'Service',
  statusSubresource: true,
  generation: true,
  defaults: defaultService,
  validate: (obj, old) => validateService(obj as Service, old as Service | undefined),
  printer: servicePrinter,
  projection: {
    columns: { type: 'text', cluster_ip: 'text' },
    row: (o) => ({ type: str(get(o, 'spec', 'type')) ?? 'ClusterIP', cluster_ip: str(get(o, 'spec', 'clusterIP')) }),
  },
  fields: { 'spec.clusterIP': {}, 'spec.type': {} },
};
