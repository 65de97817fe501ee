/**
 * The fields each endpoint resets, which nobody owns through it (Kubernetes' per-strategy
 * GetResetFields), for the kinds jetkube serves: writes to the main resource never own `status`,
 * writes to `/status` never own `spec` (nor, for pods, the deletion timestamp and owner
 * references; for deployments, the labels). Kinds without a status have none.
 */
import { FieldSet } from './field-set.js';
import { makePath } from './path.js';

const STATUS = FieldSet.of(makePath('status'));
const SPEC = FieldSet.of(makePath('spec'));

const MAIN: Readonly<Record<string, FieldSet>> = {
  Namespace: STATUS, Node: STATUS, Pod: STATUS, Service: STATUS, ReplicaSet: STATUS, Deployment: STATUS,
};

const STATUS_SUBRESOURCE: Readonly<Record<string, FieldSet>> = {
  Namespace: SPEC,
  Node: SPEC,
  Service: SPEC,
  ReplicaSet: SPEC,
  Pod: FieldSet.of(makePath('spec'), makePath('metadata', 'deletionTimestamp'), makePath('metadata', 'ownerReferences')),
  Deployment: FieldSet.of(makePath('spec'), makePath('metadata', 'labels')),
};

/** The reset fields of `kind` written through `subresource` (undefined: the main resource). */
export function resetFieldsFor(kind: string, subresource?: string): FieldSet | undefined {
  if (subresource === undefined || subresource === '') return MAIN[kind];
  if (subresource === 'status') return STATUS_SUBRESOURCE[kind];
  return undefined;
}
