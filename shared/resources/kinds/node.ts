/** Node: status through /status, but a kubelet registers with its status, so a create keeps it. */
import type { KindStrategy } from '../strategy.js';
import type { Node } from '../types.js';
import { defaultNode } from '../defaults.js';
import { validateNode } from '../validation.js';
import { arr, conditionTrue, get, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { nodeAddress, nodeRoles, nodeStatus } from '../../printers/cluster.js';
import { AGE_COLUMN, NAME_COLUMN, column, orNone, type TablePrinter } from '../../printers/types.js';

/** `kubectl get nodes` (printers.go printNode). */
const nodePrinter: TablePrinter<Node> = {
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { wide: true }),
    column('External-IP', 'List of addresses reachable to the node.', { wide: true }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { wide: true }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { wide: true }),
  ],
  row(node, now) {
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name ?? '',
      nodeStatus(node),
      orNone(nodeRoles(node).join(',')),
      age(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      nodeAddress(node, 'InternalIP') ?? '<none>',
      nodeAddress(node, 'ExternalIP') ?? '<none>',
      info.osImage || '<unknown>',
      info.kernelVersion || '<unknown>',
      info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

export const nodeStrategy: KindStrategy = {
  kind: 'Node',
  statusSubresource: true,
  statusOnCreate: true,
  generation: true,
  defaults: defaultNode,
  validate: (obj) => validateNode(obj as Node),
  printer: nodePrinter,
  projection: {
    columns: { ready: 'boolean', unschedulable: 'boolean', internal_ip: 'text' },
    row: (o) => ({
      ready: conditionTrue(get(o, 'status', 'conditions'), 'Ready'),
      unschedulable: get(o, 'spec', 'unschedulable') === true,
      internal_ip: str(get(arr(get(o, 'status', 'addresses')).find((a) => get(a, 'type') === 'InternalIP'), 'address')),
    }),
  },
  fields: { 'spec.unschedulable': { absent: 'false' } },
};
