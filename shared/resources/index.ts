/** The resource model: kinds, object types, validation, defaulting and selectors. Pure; no I/O. */
export * from './registry.js';
export * from './meta.js';
export * from './selector-types.js';
export * from './types.js';
export * from './validation.js';
export * from './defaults.js';
export * from './selectors.js';
export * from './field-selectors.js';
export { formatValue } from './field-errors.js';
export { isBase64, MAX_DATA_SIZE } from './config-validation.js';
export { NODE_PORT_RANGE, SERVICE_TYPES } from './service-validation.js';
export { RESTART_POLICIES, PULL_POLICIES, PROTOCOLS, DNS_POLICIES, TAINT_EFFECTS } from './pod-validation.js';
export { QUANTITY_FORMAT_MESSAGE } from './quantity.js';
export { deepEqual, cloneJson, isPlainObject } from './json.js';
