/** The StatefulSet controller's pure core (the kind is registered later: issue 13). */
export * from './types.js';
export * from './identity.js';
export * from './revision.js';
export * from './retention.js';
export * from './plan.js';
export * from './defaults.js';
export * from './validation.js';
