/**
 * `/openapi/v2`: Kubernetes' Swagger 2.0 document of the served kinds, as JSON or gnostic protobuf.
 *   document.ts    the Swagger 2.0 document (paths of the served kinds, reachable definitions)
 *   gnostic.ts     gnostic's openapi.v2 messages, from the upstream field numbers, as protobufjs types
 *   to-gnostic.ts  the JSON document to a gnostic Document, as gnostic's compiler builds it
 *   serve.ts       Accept negotiation, ETag, the cached bytes of each encoding
 */
export { buildSwagger, type Swagger } from './document.js';
export { GNOSTIC, documentType, gnosticRoot } from './gnostic.js';
export { toGnostic } from './to-gnostic.js';
export { negotiate, openApiV2Bytes, openApiV2Response, PROTOBUF_V2, type Encoding, type V2Response } from './serve.js';
