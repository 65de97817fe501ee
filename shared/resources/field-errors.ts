/**
 * StatusCause builders phrased like Kubernetes' field.Error (apimachinery/pkg/util/validation/field),
 * plus the field-path helpers that name where a cause points (`spec.containers[0].image`).
 */
import type { StatusCause } from '../errors.js';

/** `spec` + `replicas` → `spec.replicas`; `` + `spec` → `spec`. */
export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
/** `spec.containers` + 0 → `spec.containers[0]`. */
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
/** `data` + `a.txt` → `data[a.txt]`: a map key. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

/** A value as Kubernetes prints it in messages: strings quoted, numbers bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'null';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

export function required(field: string, detail?: string): StatusCause {
  return { reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' };
}

export function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` };
}

export function notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
  const list = [...supported].sort().map((s) => JSON.stringify(s)).join(', ');
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${formatValue(value)}: supported values: ${list}`,
  };
}

export function duplicate(field: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatValue(value)}` };
}

export function forbidden(field: string, detail: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

export function tooLong(field: string, maxBytes: number): StatusCause {
  return { reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${maxBytes} bytes` };
}

/** A list longer than allowed: `Too many: 3000: must have at most 1000 items`. */
export function tooMany(field: string, actual: number, max: number): StatusCause {
  return { reason: 'FieldValueTooMany', field, message: `Too many: ${actual}: must have at most ${max} items` };
}

export function typeInvalid(field: string, value: unknown, detail: string): StatusCause {
  return { reason: 'FieldValueTypeInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` };
}

export function unknownField(field: string): StatusCause {
  return { reason: 'FieldValueUnknown', field, message: `unknown field "${field}"` };
}

/** Turn a list of messages about one value into Invalid causes (the shape of Kubernetes' Is* helpers). */
export function invalidEach(field: string, value: unknown, messages: readonly string[]): StatusCause[] {
  return messages.map((m) => invalidValue(field, value, m));
}

export const immutable = (field: string, value: unknown): StatusCause =>
  invalidValue(field, value, 'field is immutable');
