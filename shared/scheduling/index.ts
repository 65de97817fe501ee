/** The pure scheduling core: node aggregates, filters, scores and one scheduling cycle. No I/O, no clock. */
export * from './resources.js';
export * from './taints.js';
export * from './node-selector.js';
export * from './host-ports.js';
export * from './pod-info.js';
export * from './node-info.js';
export * from './filters.js';
export * from './scores.js';
export * from './pod-affinity.js';
export * from './topology-spread.js';
export * from './default-selector.js';
export * from './cache.js';
export * from './schedule.js';
