/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) to the JSON objects
 * the rest of the gateway works with. Pure: bytes in, object or ApiError out.
 *   schema.ts    the messages (k8s-messages.json, generated from the Go types by
 *                scripts/gen-protobuf.mjs), the wrappers and the accepted kinds
 *   root.ts      protobufjs types built from the schema
 *   envelope.ts  the `k8s\0` magic and runtime.Unknown
 *   to-json.ts   a decoded message to Kubernetes JSON
 *   decode.ts    envelope + kind checks + message → object
 *   request.ts   which object a request's URL and method call for
 */
export { decodeProtobufBody, PROTOBUF_CONTENT_TYPE, type Expected } from './decode.js';
export { decodeProtobufRequest, expectedBody } from './request.js';
export { MAGIC, decodeEnvelope, type Envelope } from './envelope.js';
export { buildRoot } from './root.js';
export { ENVELOPE, LISTS, MESSAGES, TOP_LEVEL, WRAPPERS } from './schema.js';
