/** Small pieces every view uses: links to object pages, ages, a list's status line. */
import type { ReactNode } from 'react';
import { age } from '../../../shared/printers/duration.js';
import { apiRoot } from '../../../shared/console/discovery.js';
import { href } from '../router';
import type { KubeObject } from '../api/client';
import type { ListState } from '../api/useList';

/** A link to an object's page; `groupVersion` + `plural` name its kind. */
export function ObjLink(props: { groupVersion: string; plural: string; name: string | undefined; namespace?: string | undefined; children?: ReactNode }) {
  const to = href({
    route: { page: 'object', apiPath: `${apiRoot(props.groupVersion)}/${props.plural}`, name: props.name ?? '', ...(props.namespace ? { namespace: props.namespace } : {}) },
    namespace: props.namespace ?? '',
  });
  return <a href={to}>{props.children ?? props.name}</a>;
}

export function Age({ ts }: { ts: string | undefined }) {
  return <span title={ts}>{age(ts, new Date())}</span>;
}

export function ListStatus<T>({ state, what }: { state: ListState<T>; what: string }) {
  return (
    <p className="liststatus">
      {state.loading && state.items.length === 0 ? `loading ${what}…` : `${state.items.length} ${what}${state.loading ? ' (loading more…)' : ''}`}
      {state.resourceVersion && <span className="muted"> · resourceVersion {state.resourceVersion}</span>}
      {state.error && <span className="error"> · {state.error}</span>}
    </p>
  );
}

export const byName = (a: KubeObject, b: KubeObject): number =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name);

/** `/api/v1/namespaces/ns/pods`, or across namespaces when ns is ''. */
export function nsPath(root: string, plural: string, ns: string): string {
  return ns ? `${root}/namespaces/${encodeURIComponent(ns)}/${plural}` : `${root}/${plural}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;
