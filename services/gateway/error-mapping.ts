/**
 * Everything thrown while serving a request, answered as a Kubernetes Status. Errors are
 * classified where they arise: ApiErrors from our code, 503 ServiceUnavailable from the event log
 * (shared/eventlog/unavailable.ts) and the database (shared/db/errors.ts), fastify's and the
 * router's by their status code, a poison message as an error on that object only. Anything else
 * is a 500 InternalError, logged.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, badRequest, isApiError } from '../../shared/errors.js';
import { isPoisonMessageError } from '../../shared/eventlog/index.js';

/** Kubernetes' request body limit (3 MiB). */
export const BODY_LIMIT = 3 * 1024 * 1024;

const MEDIA_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
];

export function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const apiErr = toApiError(err);
  if (apiErr.code >= 500 && apiErr.reason !== 'Timeout' && apiErr.reason !== 'ServiceUnavailable') req.log.error({ err }, 'request failed');
  else if (apiErr.reason === 'ServiceUnavailable') req.log.warn({ err: apiErr.message }, 'backing service unavailable');
  if (apiErr.details?.retryAfterSeconds) void reply.header('Retry-After', String(apiErr.details.retryAfterSeconds));
  void reply.code(apiErr.code).type('application/json').send(apiErr.toStatus());
}

export function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err;
  const e = err as { statusCode?: number; message?: string };
  const msg = e.message ?? String(err);
  switch (e.statusCode) {
    case 413:
      return new ApiError('RequestEntityTooLarge', `the request body is too large (limit ${BODY_LIMIT} bytes)`);
    case 415:
      return new ApiError('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${MEDIA_TYPES.join(', ')}`);
    case 400:
      return badRequest(msg);
    case 404:
      return new ApiError('NotFound', msg);
    case 405:
      return new ApiError('MethodNotAllowed', msg);
  }
  if (isPoisonMessageError(err)) {
    // Like a corrupt object in etcd: an error on this object only, saying what is wrong with it.
    return new ApiError('InternalError', `Internal error occurred: ${err.message}`);
  }
  return new ApiError('InternalError', `Internal error occurred: ${msg}`);
}
