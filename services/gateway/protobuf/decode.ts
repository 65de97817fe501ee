/**
 * Decode one Kubernetes protobuf body (envelope, message, JSON) into its JSON object.
 */
import protobuf from 'protobufjs';
import { ApiError, badRequest } from '../../../shared/errors.js';
import { decodeEnvelope, MalformedBody } from './envelope.js';
import { buildRoot } from './root.js';
import { ENVELOPE, LISTS, MESSAGES, TOP_LEVEL, VERSIONED_MESSAGES, WRAPPERS } from './schema.js';
import { InvalidField, JsonConverter, UnsupportedField } from './to-json.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

let cached: { root: protobuf.Root; json: JsonConverter } | undefined;
function codec() {
  cached ??= { root: buildRoot(MESSAGES, WRAPPERS, ENVELOPE), json: new JsonConverter(MESSAGES, WRAPPERS, LISTS) };
  return cached;
}

/** What the request's URL says the body must be. */
export interface Expected {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * Decode a protobuf body that must hold `expected` (or a DeleteOptions when `deleteOptions` is
 * set) into its JSON object. A kind without a protobuf definition is 415; a malformed body, or
 * one of another kind or apiVersion, is 400.
 */
export function decodeProtobufBody(body: Uint8Array, expected: Expected, opts: { deleteOptions?: boolean } = {}): Record<string, unknown> {
  let env;
  try {
    env = decodeEnvelope(body);
  } catch (e) {
    if (e instanceof MalformedBody) throw badRequest(`invalid protobuf request body: ${e.message}`);
    throw e;
  }
  if (env.contentEncoding !== '') throw badRequest(`invalid protobuf request body: contentEncoding "${env.contentEncoding}" is not supported`);
  if (env.contentType !== '' && env.contentType !== PROTOBUF_CONTENT_TYPE) {
    throw badRequest(`invalid protobuf request body: contentType "${env.contentType}" is not supported`);
  }
  if (!env.kind) throw badRequest("invalid protobuf request body: Object 'Kind' is missing");
  if (!env.apiVersion) throw badRequest("invalid protobuf request body: Object 'apiVersion' is missing");
  if (opts.deleteOptions) {
    if (env.kind !== 'DeleteOptions' || (env.apiVersion !== expected.apiVersion && env.apiVersion !== 'meta.k8s.io/v1')) {
      throw badRequest(`invalid protobuf request body: expected DeleteOptions, got ${env.kind} in ${env.apiVersion}`);
    }
  } else {
    if (env.kind !== expected.kind || env.apiVersion !== expected.apiVersion) {
      throw badRequest(
        `invalid protobuf request body: the object is a ${env.kind} in ${env.apiVersion}, but the URL is for ${expected.kind} in ${expected.apiVersion}`,
      );
    }
    if (!TOP_LEVEL[env.kind]?.includes(env.apiVersion)) {
      throw new ApiError(
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - protobuf is not supported for ${env.kind} (${env.apiVersion}); send application/json or application/yaml`,
      );
    }
  }
  const { root, json } = codec();
  const message = VERSIONED_MESSAGES[`${env.apiVersion} ${env.kind}`] ?? env.kind;
  let msg: Record<string, unknown>;
  try {
    const reader = protobuf.Reader.create(env.raw);
    reader.discardUnknown = false; // keep them, so that a field we don't know is an error, not a loss
    msg = root.lookupType(`jk.${message}`).decode(reader) as unknown as Record<string, unknown>;
  } catch (e) {
    // The decoder is pure: whatever it throws is about the bytes.
    throw badRequest(`invalid protobuf request body: the ${env.kind} is truncated or corrupt: ${(e as Error).message}`);
  }
  try {
    return { kind: env.kind, apiVersion: env.apiVersion, ...json.message(message, msg, '') };
  } catch (e) {
    if (e instanceof UnsupportedField) {
      throw new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - ${env.kind} field ${e.message}; send application/json or application/yaml`);
    }
    if (e instanceof InvalidField) throw badRequest(`invalid protobuf request body: ${env.kind}: ${e.message}`);
    throw e;
  }
}
