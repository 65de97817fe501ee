/**
 * The list and watch options kube-apiserver validates before it serves anything
 * (apimachinery's ValidateListOptions, with the WatchList feature on): `resourceVersionMatch`,
 * `sendInitialEvents`, and how they combine with `resourceVersion` and `continue`. Pure.
 */
import { invalid, type StatusCause } from '../../shared/errors.js';

export type ResourceVersionMatch = 'Exact' | 'NotOlderThan';

export interface ListOptions {
  readonly resourceVersion: string | undefined;
  readonly resourceVersionMatch: ResourceVersionMatch | undefined;
  /** Watch only: undefined when the client did not say. */
  readonly sendInitialEvents: boolean | undefined;
}

type Query = Readonly<Record<string, string | undefined>>;

/**
 * A boolean query parameter as Kubernetes' query conversion reads it (Convert_Slice_string_To_bool):
 * "0", "f" and "false" in any case are false, anything else (even an empty value) is true.
 */
export function queryBool(v: string): boolean {
  const l = v.toLowerCase();
  return !(l === '0' || l === 'f' || l === 'false');
}

export function listOptions(q: Query, watch: boolean): ListOptions {
  const rv = q.resourceVersion || undefined;
  const match = q.resourceVersionMatch || undefined;
  const sendInitialEvents = q.sendInitialEvents !== undefined ? queryBool(q.sendInitialEvents) : undefined;
  const causes: StatusCause[] = [];
  const forbidden = (field: string, message: string) => causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field });
  const notSupported = (value: string, supported: string[]) =>
    causes.push({ reason: 'FieldValueNotSupported', message: `Unsupported value: "${value}": supported values: ${supported.map((s) => `"${s}"`).join(', ')}`, field: 'resourceVersionMatch' });
  if (watch) {
    if (sendInitialEvents !== undefined && match !== 'NotOlderThan') {
      forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    }
    if (match !== undefined) {
      if (sendInitialEvents === undefined) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (match !== 'NotOlderThan') notSupported(match, ['NotOlderThan']);
      if (q.continue) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
  } else {
    if (match !== undefined) {
      if (!rv) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (q.continue) forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
      if (match !== 'Exact' && match !== 'NotOlderThan') notSupported(match, ['Exact', 'NotOlderThan', '']);
      if (match === 'Exact' && rv === '0') forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (sendInitialEvents !== undefined) forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  }
  if (causes.length) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
  return { resourceVersion: rv, resourceVersionMatch: match as ResourceVersionMatch | undefined, sendInitialEvents };
}
