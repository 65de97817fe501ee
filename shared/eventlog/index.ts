export * from './subjects.js';
export * from './event-log.js';
export * from './classify.js';
export * from './compaction.js';
export * from './latest.js';
export * from './recent-writes.js';
export * from './author.js';
