/** The projection store: schema, migrations, row mapping, batch writes and list queries. */
export type * from './schema.js';
export { createDb, schemaOf, poolOf, assertSchemaName, type DbOptions } from './create-db.js';
export { migrate, migrateOrAwait, isMigrated, isConcurrentDrop } from './migrate.js';
export { readCheckpoint, writeCheckpoint } from './checkpoint.js';
export { listObjects, listObjectsJson, type JsonListResult, type ListOptions, type ListResult } from './list.js';
export { encodeContinue, decodeContinue, type ContinueToken } from './continue-token.js';
export { labelCondition, fieldCondition } from './selectors-sql.js';
export {
  toRow,
  withResourceVersion,
  rowKey,
  UnknownTableError,
  type ObjectRow,
  type RowOf,
} from './rows.js';
export { columnsOf, isObjectTable, keyOf, projectionOf, scopeOf, OBJECT_TABLES, type ColumnSpec, type PgType } from './columns.js';
export { CUSTOM_OBJECTS } from './custom-objects.js';
export {
  planBatch,
  eventKey,
  type ProjectedEvent,
  type BatchPlan,
  type DeleteKey,
  type MirrorRow,
  type DeadLetterRow,
} from './plan.js';
export { sqlState, isCheckpointWentBack, isContentError, isContentRejected, asContentRejected, ContentRejectedError } from './errors.js';
export { applyPlan, applySql, jsonLiteral, CHECKPOINT_WENT_BACK, type ApplyOptions, type ApplyResult } from './apply.js';
export { LockClass, lockBatches, batchLockSql, tryLock, lock, unlock } from './locks.js';
export { diffSchemas, type TableDiff } from './compare.js';
