/** Node: status through /status, but a kubelet registers with its status, so a create keeps it. */
import type { KindStrategy } from '../strategy.js';
import type { Node } from '../types.js';
import { defaultNode } from '../defaults.js';
import { validateNode } from '../validation.js';

export const nodeStrategy: KindStrategy = {
  kind: 'Node',
  statusSubresource: true,
  statusOnCreate: true,
  generation: true,
  defaults: defaultNode,
  validate: (obj) => validateNode(obj as Node),
};
