/**
 * The process-wide serving of CRDs' kinds: one call per observed CRD event, from the gateway's and
 * the projector's CRD watchers (shared/crd-watch.ts) and from the projector's decoder (so a custom
 * resource right after its CRD in the stream is never an unknown kind). Idempotent: every caller in
 * one process (two gateways, a projector) may report the same CRD.
 */
import { allResources, resourceByGroupKind, type ResourceInfo } from './registry.js';
import { registerKind, unregisterKind } from './strategy.js';
import { crdResourceInfo, namesAcceptance, servedVersion, type Crd, type CrdNameField } from './crd.js';
import { customResourceStrategy } from './custom-resource.js';

interface Served {
  readonly group: string;
  readonly kind: string;
  readonly crd: Crd;
  /** What the row and strategy were made from: the CRD's uid and spec, and whether it is being deleted. */
  readonly key: string;
}

const served = new Map<string, Served>();

export type ServeResult =
  | { readonly served: true }
  | { readonly served: false; readonly reason: string; readonly message: string; readonly rejected?: readonly CrdNameField[] };

/** Serve (or re-serve, when its spec changed) the CRD's kind; a names conflict leaves it unserved. */
export function serveCrd(crd: Crd): ServeResult {
  const name = crd.metadata.name ?? '';
  const key = JSON.stringify([crd.metadata.uid, crd.spec, Boolean(crd.metadata.deletionTimestamp)]);
  const cur = served.get(name);
  if (cur?.key === key && resourceByGroupKind(cur.group, cur.kind)) return { served: true };
  if (!servedVersion(crd)) return { served: false, reason: 'NoServedVersion', message: 'no version is served' };
  const others = allResources().filter((r) => !(cur && r.group === cur.group && r.kind === cur.kind));
  const { conflict, rejected } = namesAcceptance(crd, others);
  if (conflict) return { served: false, ...conflict, rejected };
  if (cur) unregisterKind(cur.kind, cur.group);
  registerKind(crdResourceInfo(crd), customResourceStrategy(crd));
  served.set(name, { group: crd.spec.group, kind: crd.spec.names.kind, crd, key });
  return { served: true };
}

/** Stop serving a deleted CRD's kind (nothing if it was not served here). */
export function unserveCrd(name: string): void {
  const cur = served.get(name);
  if (!cur) return;
  unregisterKind(cur.kind, cur.group);
  served.delete(name);
}

/** The kind a CRD is served as in this process, if it is. */
export function servedKindOf(name: string): string | undefined {
  return served.get(name)?.kind;
}

/** The resource row a CRD is served as in this process, if it is. */
export function servedResourceOf(name: string): ResourceInfo | undefined {
  const cur = served.get(name);
  return cur && resourceByGroupKind(cur.group, cur.kind);
}

/** The CRD a kind is served from in this process, if it is one. */
export function servedCrdOfKind(group: string, kind: string): Crd | undefined {
  for (const s of served.values()) if (s.kind === kind && s.crd.spec.group === group) return s.crd;
  return undefined;
}
