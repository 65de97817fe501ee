/** Turn a gateway's non-2xx answer (a Kubernetes Status body) back into the ApiError it came from. */
import { ApiError, type StatusDetails, type StatusReason } from '../errors.js';

const REASONS: ReadonlySet<string> = new Set<StatusReason>([
  'BadRequest',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Invalid',
  'Gone',
  'Expired',
  'MethodNotAllowed',
  'UnsupportedMediaType',
  'RequestEntityTooLarge',
  'NotAcceptable',
  'Unauthorized',
  'Forbidden',
  'Timeout',
  'ServiceUnavailable',
  'InternalError',
]);

const BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An ApiError for an HTTP answer; `body` is the parsed JSON (a Status) or the raw text. */
export function errorFromResponse(statusCode: number, body: unknown, what: string): ApiError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as {
    kind?: string;
    reason?: string;
    message?: string;
    details?: StatusDetails;
  };
  const reason: StatusReason =
    s.reason && REASONS.has(s.reason)
      ? (s.reason as StatusReason)
      : (BY_CODE[statusCode] ?? (statusCode >= 500 ? 'InternalError' : 'BadRequest'));
  const message =
    typeof s.message === 'string' && s.message
      ? s.message
      : `${what}: HTTP ${statusCode}${typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : ''}`;
  return new ApiError(reason, message, s.details);
}

/** Errors worth retrying as they are: the gateway was unreachable, overloaded or timed out. */
export function isRetryable(e: unknown): boolean {
  return e instanceof ApiError && (e.reason === 'ServiceUnavailable' || e.reason === 'Timeout');
}
