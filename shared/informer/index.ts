/** Informers, work queues and the controller loop: the machinery every controller, the scheduler and the kubelet share. */
export { Informer, type InformerOptions, type EventHandler } from './informer.js';
export { InformerFactory, type InformerFactoryOptions } from './factory.js';
export { ObjectCache, type Change, type LogEvent } from './object-cache.js';
export { WorkQueue, type WorkQueueOptions } from './work-queue.js';
export { ExponentialBackoff, type RateLimiterOptions } from './rate-limiter.js';
export {
  runController,
  startController,
  type ControllerOptions,
  type ControllerHandle,
  type Reconcile,
  type ReconcileResult,
  type StartControllerOptions,
  type RunningController,
  type Syncable,
  type Flushable,
} from './controller.js';
export { TerminalError, isTerminal, terminal } from './terminal-error.js';
export { objectKey, keyOf, splitKey } from './keys.js';
export {
  controllerUidIndex,
  ownerUidIndex,
  nodeNameIndex,
  labelIndex,
  namespaceIndex,
  Indexes,
  type IndexFunc,
} from './index-funcs.js';
export { withoutManagedFields } from './transforms.js';
