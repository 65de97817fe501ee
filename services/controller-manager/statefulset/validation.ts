/** Moved to shared/resources (the gateway serves the kind). */
export * from '../../../shared/resources/statefulset-validation.js';
