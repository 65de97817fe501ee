export * from './subjects.js';
export * from './event-log.js';
