/**
 * Typed API errors with Kubernetes reasons. Everything below the gateway throws these;
 * only the gateway turns them into HTTP `Status` objects (see toStatus).
 */

export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'NotAcceptable'
  | 'Unauthorized'
  | 'Forbidden'
  | 'TooManyRequests'
  | 'Timeout'
  | 'ServiceUnavailable'
  | 'InternalError';

export type CauseType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueUnknown'
  | 'ResourceVersionTooLarge'
  | 'FieldManagerConflict'
  | 'DisruptionBudget';

export interface StatusCause {
  readonly reason: CauseType;
  readonly message: string;
  readonly field: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: StatusReason | '';
  readonly details?: StatusDetails;
  readonly code: number;
}

const CODES: Record<StatusReason, number> = {
  BadRequest: 400,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  Gone: 410,
  Expired: 410,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
  RequestEntityTooLarge: 413,
  NotAcceptable: 406,
  Unauthorized: 401,
  Forbidden: 403,
  TooManyRequests: 429,
  Timeout: 504,
  ServiceUnavailable: 503,
  InternalError: 500,
};

export class ApiError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details: StatusDetails | undefined;

  constructor(reason: StatusReason, message: string, details?: StatusDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.reason = reason;
    this.code = CODES[reason];
    this.details = details;
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
export const isConflict = (e: unknown): e is ApiError => isApiError(e) && e.reason === 'Conflict';
export const isNotFound = (e: unknown): e is ApiError => isApiError(e) && e.reason === 'NotFound';
export const isAlreadyExists = (e: unknown): e is ApiError => isApiError(e) && e.reason === 'AlreadyExists';
/** 410: Gone (a watch or read below the compaction watermark) or Expired (a list at a compacted revision). */
export const isGone = (e: unknown): e is ApiError => isApiError(e) && (e.reason === 'Gone' || e.reason === 'Expired');

/** A kind name in messages, as Kubernetes prints it: `pods "web"`, `deployments.apps "web"`. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError('NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError('AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });
}

export function conflict(plural: string, group: string, name: string, why: string): ApiError {
  return new ApiError(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": ${why}`,
    { name, group, kind: plural },
  );
}

export function invalid(kind: string, group: string, name: string, causes: readonly StatusCause[]): ApiError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  return new ApiError('Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes,
  });
}

export function badRequest(message: string, causes?: readonly StatusCause[]): ApiError {
  return new ApiError('BadRequest', message, causes ? { causes } : undefined);
}

/** A 403 with Kubernetes' NewForbidden text: `pods "x" is forbidden: <why>`, or `pods is forbidden: <why>` without a name. */
export function forbiddenError(plural: string, group: string, name: string, why: string): ApiError {
  const gr = qualifiedResource(plural, group);
  const subject = !gr && !name ? 'forbidden' : name ? `${gr} ${JSON.stringify(name)} is forbidden` : `${gr} is forbidden`;
  return new ApiError('Forbidden', `${subject}: ${why}`, { ...(name ? { name } : {}), ...(group ? { group } : {}), ...(plural ? { kind: plural } : {}) });
}
