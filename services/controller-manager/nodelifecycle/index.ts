/** The node lifecycle controller's pure core (evaluate.ts) and its I/O layer (controller.ts). */
export * from './evaluate.js';
export { NODE_LIFECYCLE_CONTROLLER, startNodeLifecycleController } from './controller.js';
