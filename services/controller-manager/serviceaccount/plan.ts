/**
 * Kubernetes' ServiceAccounts controller (pkg/controller/serviceaccount): every namespace that is
 * not terminating has the service accounts the cluster wants in each namespace (`default`).
 */
import type { Namespace } from '../../../shared/resources/types.js';

export const DEFAULT_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/** The service accounts to create in `ns`, given the names that exist there. */
export function missingServiceAccounts(ns: Namespace | undefined, existing: ReadonlySet<string>, wanted: readonly string[] = DEFAULT_SERVICE_ACCOUNTS): string[] {
  if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return [];
  return wanted.filter((name) => !existing.has(name));
}
