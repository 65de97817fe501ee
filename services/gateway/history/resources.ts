/**
 * The history API's resources as Kubernetes-style objects (pure): Revision, RevisionDiff, Change and
 * their lists, plus the group's discovery documents.
 */
import type { Operation } from 'fast-json-patch';
import type { KObject } from '../../../shared/resources/meta.js';
import { allResources, apiVersionOf, groupOf, namedBy, resourceByGroupKind, type ResourceInfo } from '../../../shared/resources/registry.js';
import type { Author } from './author.js';
import type { RevisionRow } from './store.js';

export const GROUP = 'history.jetkube.io';
export const VERSION = 'v1';
export const GROUP_VERSION = `${GROUP}/${VERSION}`;

/** The resources of the group: what each answers is in README.md ("History API"). */
export const HISTORY_RESOURCES = [
  { name: 'revisions', singularName: 'revision', kind: 'Revision', namespaced: true },
  { name: 'diffs', singularName: 'diff', kind: 'RevisionDiff', namespaced: true },
  { name: 'changes', singularName: 'change', kind: 'Change', namespaced: true },
  { name: 'objects', singularName: 'object', kind: 'PastObject', namespaced: true },
  { name: 'bounds', singularName: 'bounds', kind: 'HistoryBounds', namespaced: false },
] as const;

export type HistoryResource = (typeof HISTORY_RESOURCES)[number]['name'];

export function historyApiGroup(): object {
  const v = { groupVersion: GROUP_VERSION, version: VERSION };
  return { kind: 'APIGroup', apiVersion: 'v1', name: GROUP, versions: [v], preferredVersion: v };
}

export function historyResourceList(): object {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: HISTORY_RESOURCES.map((r) => ({ name: r.name, singularName: r.singularName, namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'list'], storageVersionHash: '' })),
  };
}

/**
 * The kind a history request names: `kind` is a plural, singular, short name, Kind or
 * `<plural>.<group>`; with `apiVersion` (`a.example.com/v1`, `v1`) only that group's kinds match, so
 * `kind=Widget&apiVersion=b.example.com/v1` is b's Widget when a.example.com has one too.
 * Undefined if no served kind matches.
 */
export function historyKind(kind: string, apiVersion: string | undefined, resources: readonly ResourceInfo[] = allResources()): ResourceInfo | undefined {
  const named = namedBy(kind);
  if (apiVersion === undefined) return resources.find(named);
  const group = groupOf(apiVersion);
  return resources.find((x) => x.group === group && named(x));
}

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

export function involvedObject(r: Pick<RevisionRow, 'kind' | 'api_group' | 'namespace' | 'name' | 'uid'>): InvolvedObject {
  const info = resourceByGroupKind(r.api_group, r.kind);
  return {
    // A kind no longer served (its CRD deleted): its group without the version.
    apiVersion: info ? apiVersionOf(info) : r.api_group,
    kind: r.kind,
    ...(r.namespace ? { namespace: r.namespace } : {}),
    name: r.name,
    ...(r.uid ? { uid: r.uid } : {}),
  };
}

/** The plural the kind is served by (the lowercased kind for one no longer served). */
export function pluralOf(r: Pick<RevisionRow, 'kind' | 'api_group'>): string {
  return resourceByGroupKind(r.api_group, r.kind)?.plural ?? r.kind.toLowerCase();
}

/** `2026-12-06T18:00:00.123456Z` → `2026-12-06T18:00:00Z` (metav1.Time). */
const seconds = (t: string) => t.replace(/\.\d+Z$/, 'Z');

export interface RevisionExtras {
  readonly object?: KObject;
  readonly author?: Author;
  /** The log no longer holds this revision's body. */
  readonly compacted?: boolean;
  readonly summary?: string;
}

export function revisionResource(r: RevisionRow, x: RevisionExtras): object {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'Revision',
    metadata: {
      name: `${pluralOf(r)}.${r.name}.${r.sequence}`,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      resourceVersion: String(r.sequence),
      creationTimestamp: seconds(r.time),
    },
    involvedObject: involvedObject(r),
    sequence: r.sequence,
    time: r.time,
    type: r.type,
    ...(r.generation !== null ? { generation: r.generation } : {}),
    resourceVersion: String(r.sequence),
    ...(x.author ? { author: x.author } : {}),
    ...(x.summary !== undefined ? { summary: x.summary } : {}),
    ...(x.compacted ? { compacted: true } : {}),
    ...(x.object ? { object: x.object } : {}),
  };
}

export function pointOf(r: RevisionRow | null): object | null {
  return r ? { sequence: r.sequence, time: r.time, type: r.type, resourceVersion: String(r.sequence), ...(r.generation !== null ? { generation: r.generation } : {}) } : null;
}

export function diffResource(key: Pick<RevisionRow, 'kind' | 'api_group' | 'namespace' | 'name' | 'uid'>, from: RevisionRow | null, to: RevisionRow | null, patch: Operation[], unified: string): object {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'RevisionDiff',
    metadata: {
      name: `${pluralOf(key)}.${key.name}`,
      ...(key.namespace ? { namespace: key.namespace } : {}),
      ...(to ? { resourceVersion: String(to.sequence) } : {}),
    },
    involvedObject: involvedObject(key),
    from: pointOf(from),
    to: pointOf(to),
    patch,
    unified,
  };
}

/** A sequence and the stream time of the newest mirrored event at or before it. */
export interface SeqTime {
  readonly sequence: number;
  /** Null when nothing at or before it is mirrored. */
  readonly time: string | null;
}

/**
 * The span of sequences the history can answer: `first` is the log's first sequence (below it every
 * message is gone: nothing there can be rebuilt), `last` its newest; `at`, when asked, a point
 * resolved to a sequence and its time. Times are of the newest mirrored event at or before each.
 */
export function boundsResource(first: SeqTime | null, last: SeqTime | null, at?: SeqTime | null): object {
  return {
    apiVersion: GROUP_VERSION,
    kind: 'HistoryBounds',
    metadata: { resourceVersion: String(last?.sequence ?? 0) },
    first,
    last,
    ...(at !== undefined ? { at } : {}),
  };
}

export type NetChange = 'ADDED' | 'MODIFIED' | 'DELETED';

/** What happened to an object over a window, from whether it existed at each end. */
export function netChange(existedBefore: boolean, existsAfter: boolean): NetChange {
  if (existedBefore && existsAfter) return 'MODIFIED';
  return existsAfter ? 'ADDED' : 'DELETED';
}

export function listResource(kind: string, resourceVersion: number, items: readonly object[], extra: object = {}, continueToken?: string): object {
  return {
    apiVersion: GROUP_VERSION,
    kind,
    metadata: { resourceVersion: String(resourceVersion), ...(continueToken ? { continue: continueToken } : {}) },
    ...extra,
    items,
  };
}
