/** The gateway client services write through, and the Event recorder. */
export {
  GatewayClient,
  ResourceClient,
  type GatewayClientOptions,
  type ListOptions,
  type ObjectList,
  type DeleteOptions,
  type WriteOptions,
  type PatchType,
  type Scale,
} from './gateway-client.js';
export { errorFromResponse, isRetryable } from './status-error.js';
export { collectionPath, objectPath, groupVersionPath } from './paths.js';
export { recordEvent, buildEvent, objectReference, type EventKind, type RecordEventOptions } from './events.js';
export { EventRecorder, type EventRecorderOptions } from './recorder.js';
export { gatewayWriter, type ObjectWriter, type ResourceWriter } from './writer.js';
export { MemoryWriter, type WriterCall, type WriterVerb } from './memory-writer.js';
