/**
 * The query options of write requests, parsed and validated as kube-apiserver does: PatchOptions
 * (fieldManager, force), CreateOptions/UpdateOptions (dryRun, fieldValidation, the field manager
 * from the query or the User-Agent) and DeleteOptions (from the query and the body).
 */
import { badRequest, invalid } from '../../shared/errors.js';
import { managerOrUserAgent } from '../../shared/apply/index.js';
import type { DeleteOptions, FieldValidation, WriteOptions } from './store.js';
import type { PatchType } from './patch.js';
import type { Query } from './query.js';
import { queryBool } from './list-options.js';

/**
 * PatchOptions as kube-apiserver validates them: an apply patch needs a fieldManager; `force` is
 * for apply patches only. Returns `force`.
 */
export function patchOptions(q: Query, type: PatchType): boolean {
  const force = q.force !== undefined && queryBool(q.force);
  if (type === 'apply' && !q.fieldManager) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
  }
  if (type !== 'apply' && q.force !== undefined) {
    throw invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch', field: 'force' }]);
  }
  return force;
}

export function writeOptions(q: Query, userAgent: string | undefined): WriteOptions {
  const fv = q.fieldValidation;
  if (fv !== undefined && fv !== '' && !['Strict', 'Warn', 'Ignore'].includes(fv)) {
    throw badRequest(`fieldValidation must be one of Strict, Warn, Ignore; got "${fv}"`);
  }
  if (q.dryRun !== undefined && q.dryRun !== 'All' && q.dryRun !== '') throw badRequest(`dryRun must be "All"; got "${q.dryRun}"`);
  return { dryRun: q.dryRun === 'All', fieldValidation: (fv || 'Warn') as FieldValidation, manager: managerOrUserAgent(q.fieldManager, userAgent) };
}

export function deleteOptions(q: Query, body: unknown): DeleteOptions {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw badRequest('the DeleteOptions body must be a JSON object');
  }
  const b = (body ?? {}) as Record<string, unknown>;
  const grace = q.gracePeriodSeconds ?? b.gracePeriodSeconds;
  const policy = q.propagationPolicy ?? b.propagationPolicy;
  const orphan = q.orphanDependents ?? b.orphanDependents;
  const dry = q.dryRun ?? b.dryRun;
  const pre = b.preconditions as DeleteOptions['preconditions'] | undefined;
  if (pre !== undefined && (typeof pre !== 'object' || pre === null)) throw badRequest('preconditions must be an object');
  return {
    ...(grace !== undefined ? { gracePeriodSeconds: typeof grace === 'number' ? grace : parseNonNegInt(String(grace), 'gracePeriodSeconds') } : {}),
    ...(policy !== undefined ? { propagationPolicy: policy as DeleteOptions['propagationPolicy'] } : {}),
    ...(orphan !== undefined ? { orphanDependents: orphan === true || orphan === 'true' } : {}),
    ...(pre ? { preconditions: pre } : {}),
    ...(dry !== undefined ? { dryRun: Array.isArray(dry) ? (dry as string[]) : [String(dry)] } : {}),
  };
}

export function parseNonNegInt(v: string, field: string): number {
  if (!/^\d{1,15}$/.test(v)) throw badRequest(`${field}: invalid value "${v}": must be a non-negative integer`);
  return Number(v);
}

/** A boolean query parameter: absent is false; otherwise Kubernetes' rule (queryBool). */
export const isTrue = (v: string | undefined) => v !== undefined && queryBool(v);

/** A policy/v1 Eviction body: its kind, the pod it names, and its DeleteOptions. */
export function evictionBody(body: unknown, pod: string): { deleteOptions: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('an Eviction must be a JSON object');
  const b = body as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown }; deleteOptions?: unknown };
  if (b.kind !== undefined && b.kind !== 'Eviction') throw badRequest(`expected kind Eviction, got ${String(b.kind)}`);
  if (b.apiVersion !== undefined && b.apiVersion !== 'policy/v1' && b.apiVersion !== 'policy/v1beta1') {
    throw badRequest(`the API version in the data (${String(b.apiVersion)}) is not policy/v1 or policy/v1beta1`);
  }
  if (b.metadata?.name !== undefined && b.metadata.name !== pod) throw badRequest('name in URL does not match name in Eviction object');
  return { deleteOptions: b.deleteOptions };
}
