/**
 * The history API (`history.jetkube.io/v1`), served by the gateway beside the Kubernetes API:
 *
 *   GET /apis/history.jetkube.io/v1[/namespaces/NS]/revisions  one object's revisions (kind+name or uid),
 *        or every revision matching uid / labelSelector / ownerUid / type (deleted objects too)
 *   GET …/diffs      the diff between two revisions of one object (from, to, since)
 *   GET …/changes    the objects added, modified or deleted between two points, with their JSON patches
 *        (and unified diffs with unified=true)
 *   GET …/objects    an object or a list of any kind as it was at a sequence or time (at)
 *
 * Metadata from the events mirror, bodies from the log (store.ts): no replay into a schema.
 * Points are sequences or RFC 3339 times (the last sequence at or before it), `since` a duration.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventLog } from '../../../shared/eventlog/index.js';
import { ApiError, badRequest, notFound } from '../../../shared/errors.js';
import type { Database } from '../../../shared/db/index.js';
import type { EventType } from '../../../shared/resources/meta.js';
import { apiVersionOf, resourceByGroupKind, type ResourceInfo } from '../../../shared/resources/registry.js';
import type { RequestAttributes } from '../../../shared/auth/user.js';
import type { Authorizer } from '../authz/authorizer.js';
import { authorLabel, type Author } from './author.js';
import { actingUser, forbidden } from '../authz/index.js';
import { parseLabelSelector } from '../../../shared/resources/selectors.js';
import { parsePoint, sincePoint, type Point } from '../../../shared/history/points.js';
import { jsonPatch, revisionDiff } from '../../../shared/history/diff.js';
import { summarize } from '../../../shared/history/summary.js';
import { listExact } from '../exact-list.js';
import type { CheckpointTracker } from '../checkpoint.js';
import type { Reads } from '../reads.js';
import { parseQuery, type Query, type RawQuery } from '../query.js';
import { isTrue, parseNonNegInt } from '../request-options.js';
import { tableContentType, tableRequest, type TableRequest } from '../table.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { HistoryStore, type ObjectKey, type RevisionBody, type RevisionRow } from './store.js';
import {
  diffResource,
  GROUP,
  GROUP_VERSION,
  boundsResource,
  HISTORY_RESOURCES,
  historyApiGroup,
  historyKind,
  historyResourceList,
  involvedObject,
  listResource,
  netChange,
  pluralOf,
  revisionResource,
  type HistoryResource,
} from './resources.js';

export interface HistoryDeps {
  readonly db: Kysely<Database>;
  readonly log: EventLog;
  readonly tracker: CheckpointTracker;
  readonly reads: Reads;
  readonly now: () => Date;
  /** Authorization: reading the history of a kind needs the verb on the kind itself (authz/). */
  readonly authz?: Authorizer;
}

/** Throws a 403 unless the request's user may `verb` the kind in the namespace ('' or undefined: all). */
type Guard = (verb: 'get' | 'list', info: ResourceInfo, namespace: string | undefined) => void;

const EVENT_TYPES: readonly EventType[] = ['ADDED', 'MODIFIED', 'DELETED'];

export function registerHistoryRoutes(app: FastifyInstance, d: HistoryDeps): void {
  const api = new HistoryApi(d);
  const mark = (req: FastifyRequest, verb: string, resource: string) => ((req as FastifyRequest & { jk?: object }).jk = { verb, resource: `${resource}.${GROUP}` });
  app.get(`/apis/${GROUP}`, async () => historyApiGroup());
  app.get(`/apis/${GROUP_VERSION}`, async () => historyResourceList());
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: `/apis/${GROUP_VERSION}/*`,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      const segs = req.url.split('?')[0]!.replace(/\/+$/, '').split('/').filter(Boolean).slice(3);
      let ns: string | undefined;
      let rest = segs;
      if (segs[0] === 'namespaces' && segs.length >= 3) {
        ns = segs[1]!;
        rest = segs.slice(2);
      }
      const resource = rest[0] as HistoryResource | undefined;
      const known = HISTORY_RESOURCES.find((r) => r.name === resource);
      if (rest.length !== 1 || !known || (ns !== undefined && !known.namespaced)) {
        throw new ApiError('NotFound', 'the server could not find the requested resource');
      }
      if (req.method !== 'GET') throw new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource: ${req.method} ${resource}`);
      mark(req, known.namespaced ? 'LIST' : 'GET', resource!);
      const q = parseQuery(req.query as RawQuery);
      if (isTrue(q.watch)) throw new ApiError('MethodNotAllowed', `watch is not supported on ${resource}.${GROUP}: the past does not change; list it again`);
      const table = resource === 'revisions' ? tableRequest(req.headers.accept, q.includeObject) : undefined;
      const user = actingUser(req);
      const guard: Guard = (verb, info, namespace) => {
        if (!d.authz) return;
        const a: RequestAttributes = { user, verb, resourceRequest: true, apiGroup: info.group, apiVersion: info.version, resource: info.plural, ...(info.namespaced && namespace ? { namespace } : {}) };
        const dec = d.authz.authorize(a);
        if (!dec.allowed) throw forbidden(a, dec.reason);
      };
      const body = await api.serve(resource!, ns, resource === 'revisions' ? withFieldSelector(q) : q, guard);
      if (table) {
        // Sent as bytes: fastify would rewrite the media type's parameters.
        return reply.code(200).header('content-type', tableContentType(table)).send(Buffer.from(JSON.stringify(revisionTable(body as RevisionListBody, table))));
      }
      return reply.code(200).type('application/json').send(body);
    },
  });
}

class HistoryApi {
  private readonly store: HistoryStore;

  constructor(private readonly d: HistoryDeps) {
    this.store = new HistoryStore(d.db, d.log);
  }

  serve(resource: HistoryResource, ns: string | undefined, q: Query, guard: Guard): Promise<object> {
    switch (resource) {
      case 'revisions':
        return this.revisions(ns, q, guard);
      case 'diffs':
        return this.diff(ns, q, guard);
      case 'changes':
        return this.changes(ns, q, guard);
      case 'objects':
        return this.objects(ns, q, guard);
      case 'bounds':
        return this.bounds(q);
    }
  }

  /** Every kind on a page must be listable by the user (a page mixing kinds is refused as a whole, never filtered). */
  private guardKinds(rows: readonly Pick<ObjectKey, 'kind' | 'api_group'>[], ns: string | undefined, guard: Guard): void {
    const kinds = new Map(rows.map((r) => [`${r.api_group}/${r.kind}`, r]));
    for (const r of kinds.values()) {
      const info = resourceByGroupKind(r.api_group, r.kind);
      if (info) guard('list', info, ns);
    }
  }

  /** The projections hold every event up to the log's current end (a consistent read). */
  private async current(): Promise<number> {
    const { lastSeq } = await this.d.log.state();
    await this.d.tracker.waitFor(lastSeq);
    return lastSeq;
  }

  /** A point as a sequence: a sequence must have been reached (504 otherwise); a time is the last sequence at or before it. */
  private async seqOf(p: Point, now: number): Promise<number> {
    if ('seq' in p) {
      if (p.seq > now) await this.d.tracker.waitFor(await this.d.reads.reached(p.seq));
      return p.seq;
    }
    return this.store.seqAtTime(p.time);
  }

  private point(q: Query, param: string): Point | undefined {
    const v = q[param];
    if (v === undefined || v === '') return undefined;
    const p = parsePoint(v);
    if (!p) throw badRequest(`${param}: "${v}" is neither a sequence nor an RFC 3339 time`, [{ reason: 'FieldValueInvalid', message: 'must be a sequence or an RFC 3339 time', field: param }]);
    return p;
  }

  /** from/to/since → a window of sequences (from exclusive, to inclusive). */
  private async window(q: Query, now: number): Promise<{ from: number; to: number }> {
    let fromP = this.point(q, 'from');
    if (q.since !== undefined && q.since !== '') {
      if (fromP) throw badRequest('from and since are mutually exclusive');
      fromP = sincePoint(q.since, this.d.now());
      if (!fromP) throw badRequest(`since: "${q.since}" is not a duration such as 15m or 1h30m`, [{ reason: 'FieldValueInvalid', message: 'must be a duration', field: 'since' }]);
    }
    const toP = this.point(q, 'to');
    const to = toP ? await this.seqOf(toP, now) : now;
    const from = fromP ? await this.seqOf(fromP, now) : undefined;
    if (from === undefined) throw badRequest('one of from or since is required', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'from' }]);
    if (from > to) throw badRequest(`from (${from}) is after to (${to})`);
    return { from, to };
  }

  private kindOf(q: Query): ResourceInfo | undefined {
    if (!q.kind) {
      if (q.apiVersion) throw badRequest('apiVersion needs kind', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'kind' }]);
      return undefined;
    }
    const info = historyKind(q.kind, q.apiVersion || undefined);
    if (!info) {
      const what = q.apiVersion ? `"${q.kind}" in ${q.apiVersion}` : `"${q.kind}"`;
      throw badRequest(`kind: the server doesn't have a resource type ${what}`, [{ reason: 'FieldValueNotSupported', message: 'unknown kind', field: 'kind' }]);
    }
    return info;
  }

  /** The namespace an object of `info` lives in: the path's for namespaced kinds, '' for cluster-scoped ones. */
  private nsFor(info: ResourceInfo | undefined, ns: string | undefined): string | undefined {
    if (info && !info.namespaced) return '';
    return ns;
  }

  private limitOf(q: Query): number | undefined {
    return q.limit !== undefined && q.limit !== '' && q.limit !== '0' ? parseNonNegInt(q.limit, 'limit') : undefined;
  }

  // ---- revisions --------------------------------------------------------------------------------

  private async revisions(ns: string | undefined, q: Query, guard: Guard): Promise<object> {
    const info = this.kindOf(q);
    if (info) guard(q.name ? 'get' : 'list', info, ns);
    if (q.name && !info) throw badRequest('name needs kind', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'kind' }]);
    const type = q.type ? q.type.toUpperCase() : undefined;
    if (type && !(EVENT_TYPES as readonly string[]).includes(type)) {
      throw badRequest(`type: Unsupported value: "${q.type}": supported values: "ADDED", "MODIFIED", "DELETED"`, [{ reason: 'FieldValueNotSupported', message: 'unsupported value', field: 'type' }]);
    }
    const limit = this.limitOf(q);
    let upTo: number;
    let after: number | undefined;
    if (q.continue) {
      const c = decodeContinue(q.continue, (v): v is { a: number; u: number } => isObj(v) && typeof v.a === 'number' && typeof v.u === 'number');
      after = c.a;
      upTo = c.u;
    } else {
      upTo = await this.current();
    }
    const rows = await this.store.revisions({
      ...(this.nsFor(info, ns) !== undefined ? { namespace: this.nsFor(info, ns)! } : {}),
      ...(info ? { kind: info.kind, group: info.group } : {}),
      ...(q.name ? { name: q.name } : {}),
      ...(q.uid ? { uid: q.uid } : {}),
      ...(q.ownerUid ? { ownerUid: q.ownerUid } : {}),
      ...(q.labelSelector ? { labels: parseLabelSelector(q.labelSelector) } : {}),
      ...(type ? { type: type as EventType } : {}),
      ...(after !== undefined ? { after } : {}),
      upTo,
      ...(limit ? { limit: limit + 1 } : {}),
    });
    const more = limit !== undefined && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    if (q.name && info && page.length === 0 && after === undefined) throw notFound(info.plural, info.group, q.name);
    if (!info) this.guardKinds(page, ns, guard);
    const withObjects = q.objects === undefined || isTrue(q.objects);
    const seqs = page.map((r) => r.sequence);
    // The page's bodies and its predecessors' rows are read at once (neither needs the other).
    const [bodies, prev] = withObjects
      ? await Promise.all([this.store.bodies(seqs), this.store.previousOf(page.filter((r) => r.type === 'MODIFIED'))])
      : [new Map<number, RevisionBody | null>(), new Map<number, RevisionRow | null>()];
    const summaries = withObjects ? await this.summaries(page, bodies, prev) : new Map<number, string>();
    const items = page.map((r) => {
      const b = bodies.get(r.sequence);
      // The author from the message's headers, else as the events mirror recorded it (a compacted body).
      const author = b?.author ?? r.author;
      return revisionResource(r, {
        ...(b ? { object: b.object } : {}),
        ...(author ? { author } : {}),
        ...(withObjects && !b ? { compacted: true } : {}),
        ...(summaries.has(r.sequence) ? { summary: summaries.get(r.sequence)! } : {}),
      });
    });
    const token = more ? encodeContinue({ a: page[page.length - 1]!.sequence, u: upTo }) : undefined;
    return listResource('RevisionList', upTo, items, {}, token);
  }

  /** Each revision's one-line summary against the object's previous revision (read for the first of each object on the page). */
  private async summaries(
    page: readonly RevisionRow[],
    bodies: Map<number, RevisionBody | null>,
    prev: Map<number, RevisionRow | null>,
  ): Promise<Map<number, string>> {
    // Against each revision's true predecessor (a filtered page may skip some; `prev`, found in one
    // statement by the caller): its body taken from the page when there, else read.
    const missing = [...prev.values()].flatMap((p) => (p && p.type !== 'DELETED' && !bodies.has(p.sequence) ? [p.sequence] : []));
    const extra = await this.store.bodies(missing);
    const out = new Map<number, string>();
    for (const r of page) {
      const cur = bodies.get(r.sequence);
      if (!cur) continue;
      if (r.type !== 'MODIFIED') {
        out.set(r.sequence, summarize(r.type, undefined, cur.object));
        continue;
      }
      const p = prev.get(r.sequence);
      const before = p && p.type !== 'DELETED' ? (bodies.get(p.sequence) ?? extra.get(p.sequence)) : undefined;
      // Without the previous body (compacted, or the mirror starts here) there is nothing to compare.
      if (before) out.set(r.sequence, summarize(r.type, before.object, cur.object));
    }
    return out;
  }

  // ---- diffs ------------------------------------------------------------------------------------

  /** The object a diff is about: kind+name in the namespace, or a uid. */
  private async objectKey(ns: string | undefined, q: Query): Promise<ObjectKey & Pick<RevisionRow, 'uid'>> {
    const info = this.kindOf(q);
    if (q.uid) {
      const rows = await this.store.revisions({ uid: q.uid, ...(ns !== undefined ? { namespace: ns } : {}) });
      const last = rows[rows.length - 1];
      if (!last) throw new ApiError('NotFound', `no revisions with uid "${q.uid}"`);
      return last;
    }
    if (!info || !q.name) throw badRequest('kind and name (or uid) are required', [{ reason: 'FieldValueRequired', message: 'Required value', field: info ? 'name' : 'kind' }]);
    const namespace = info.namespaced ? ns : '';
    if (namespace === undefined) throw badRequest(`${info.plural} are namespaced: use /apis/${GROUP_VERSION}/namespaces/<ns>/diffs`);
    return { kind: info.kind, api_group: info.group, namespace, name: q.name, uid: null };
  }

  private async diff(ns: string | undefined, q: Query, guard: Guard): Promise<object> {
    const now = await this.current();
    const key = await this.objectKey(ns, q);
    const info = resourceByGroupKind(key.api_group, key.kind);
    if (info) guard('get', info, key.namespace);
    const toP = this.point(q, 'to');
    const toSeq = toP ? await this.seqOf(toP, now) : now;
    const to = await this.store.revisionAt(key, toSeq);
    let fromP = this.point(q, 'from');
    if (q.since) {
      if (fromP) throw badRequest('from and since are mutually exclusive');
      fromP = sincePoint(q.since, this.d.now());
      if (!fromP) throw badRequest(`since: "${q.since}" is not a duration such as 15m or 1h30m`);
    }
    let from: RevisionRow | null;
    if (fromP) {
      const fromSeq = await this.seqOf(fromP, now);
      if (fromSeq > toSeq) throw badRequest(`from (${fromSeq}) is after to (${toSeq})`);
      from = await this.store.revisionAt(key, fromSeq);
    } else from = to ? await this.store.revisionBefore(to) : null;
    if (!from && fromP) await this.mustKnowBefore(key, await this.seqOf(fromP, now));
    if (!from && !fromP && to && to.type !== 'ADDED') await this.mustKnowBefore(key, to.sequence - 1);
    if (!to && !from) throw notFound(info?.plural ?? key.kind.toLowerCase(), info?.group ?? '', key.name);
    const objAt = async (r: RevisionRow | null) => (r && r.type !== 'DELETED' ? (await this.store.requiredBody(r.sequence)).object : undefined);
    const [a, b] = [await objAt(from), await objAt(to)];
    const plural = pluralOf(key);
    const label = (r: RevisionRow | null) => `${plural}/${key.name}@${r ? r.sequence : 0}`;
    const d = revisionDiff({ label: label(from), object: a }, { label: label(to), object: b });
    const uid = (b ?? a)?.metadata.uid ?? key.uid;
    return diffResource({ ...key, uid: uid ?? null }, from, to, d.patch, d.unified);
  }

  /** 410 if the mirror cannot tell the object's state at `seq` (its mirrored history starts later, mid-way). */
  private async mustKnowBefore(key: ObjectKey, seq: number): Promise<void> {
    const first = await this.store.firstRevision(key);
    if (first && first.type !== 'ADDED' && first.sequence > seq) throw goneBefore(seq);
  }

  // ---- changes ----------------------------------------------------------------------------------

  private async changes(ns: string | undefined, q: Query, guard: Guard): Promise<object> {
    const info = this.kindOf(q);
    if (info) guard('list', info, ns);
    const limit = this.limitOf(q);
    let from: number;
    let to: number;
    let afterKey: [string, string, string, string] | undefined;
    if (q.continue) {
      const c = decodeContinue(q.continue, (v): v is { f: number; t: number; k: [string, string, string, string] } =>
        isObj(v) && typeof v.f === 'number' && typeof v.t === 'number' && Array.isArray(v.k) && v.k.length === 4 && v.k.every((s) => typeof s === 'string'),
      );
      ({ f: from, t: to, k: afterKey } = c);
    } else {
      ({ from, to } = await this.window(q, await this.current()));
    }
    const rows = await this.store.changes({
      ...(ns !== undefined && !(info && !info.namespaced) ? { namespace: ns } : {}),
      ...(info ? { kind: info.kind, group: info.group } : {}),
      from,
      to,
      ...(afterKey ? { afterKey } : {}),
      ...(limit ? { limit: limit + 1 } : {}),
    });
    const more = limit !== undefined && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    if (!info) this.guardKinds(page, ns, guard);
    const withDiffs = q.diffs === undefined || isTrue(q.diffs);
    // The unified YAML diff of every object costs more than everything else together: on request only.
    const unified = withDiffs && isTrue(q.unified);
    const seqs = withDiffs ? page.flatMap((r) => [r.last.sequence, ...(r.before && r.before.type !== 'DELETED' ? [r.before.sequence] : [])]) : [];
    const bodies = await this.store.bodies(seqs);
    const required = (s: number) => {
      const b = bodies.get(s);
      if (!b) throw new ApiError('Gone', `too old resource version: ${from} (the revision at ${s} has been compacted)`);
      return b.object;
    };
    const items = page.map((r) => {
      if (r.before === null && r.firstType !== 'ADDED') throw goneBefore(from);
      const existedBefore = r.before !== null && r.before.type !== 'DELETED';
      const existsAfter = r.last.type !== 'DELETED';
      const base = {
        kind: 'Change',
        involvedObject: involvedObject({ ...r, uid: r.last.uid ?? r.before?.uid ?? null }),
        type: netChange(existedBefore, existsAfter),
        revisions: r.revisions,
        fromSequence: r.before ? r.before.sequence : null,
        toSequence: r.last.sequence,
        time: r.last.time,
      };
      if (!withDiffs) return base;
      const last = required(r.last.sequence);
      const before = existedBefore ? required(r.before!.sequence) : undefined;
      const plural = pluralOf(r);
      const after = existsAfter ? last : undefined;
      const d = unified
        ? revisionDiff({ label: `${plural}/${r.name}@${from}`, object: before }, { label: `${plural}/${r.name}@${to}`, object: after })
        : { patch: jsonPatch(before, after), unified: '' };
      // For an object deleted in the window, `object` is its final state (the tombstone's body).
      const summary = summarize(base.type, before, existsAfter ? last : undefined);
      return { ...base, summary, object: last, patch: d.patch, ...(unified ? { unified: d.unified } : {}) };
    });
    const end = page[page.length - 1];
    const token = more && end ? encodeContinue({ f: from, t: to, k: [end.kind, end.api_group, end.namespace, end.name] }) : undefined;
    return listResource('ChangeList', to, items, { fromSequence: from, toSequence: to }, token);
  }

  // ---- bounds -----------------------------------------------------------------------------------

  /**
   * The log's first and newest sequences with their times (the console's time slider spans them),
   * and `at` (a sequence or a time) as the sequence it names with its time. Sequences and times
   * only, no object: readable by whoever may read the history at all.
   */
  private async bounds(q: Query): Promise<object> {
    const now = await this.current();
    const { firstSeq } = await this.d.log.state();
    const at = this.point(q, 'at');
    const [first, last, point] = await Promise.all([
      this.store.eventAtOrAfter(Math.max(1, firstSeq)),
      this.store.eventAtOrBefore(now),
      at ? this.seqOf(at, now).then(async (seq) => ({ sequence: seq, time: (await this.store.eventAtOrBefore(seq))?.time ?? null })) : undefined,
    ]);
    // The first sequence is the log's own (a reservation there is not mirrored); its time is that of the first event mirrored from it on.
    return boundsResource(first && { sequence: Math.max(1, firstSeq), time: first.time }, last && { sequence: now, time: last.time }, point);
  }

  // ---- objects at a point -----------------------------------------------------------------------

  private async objects(ns: string | undefined, q: Query, guard: Guard): Promise<object> {
    const info = this.kindOf(q);
    if (!info) throw badRequest('kind is required', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'kind' }]);
    guard(q.name ? 'get' : 'list', info, ns);
    const at = this.point(q, 'at');
    if (!at) throw badRequest('at is required: a sequence or an RFC 3339 time', [{ reason: 'FieldValueRequired', message: 'Required value', field: 'at' }]);
    const now = await this.current();
    const seq = await this.seqOf(at, now);
    const namespace = info.namespaced ? ns : undefined;
    if (q.name) {
      if (info.namespaced && namespace === undefined) throw badRequest(`${info.plural} are namespaced: use /apis/${GROUP_VERSION}/namespaces/<ns>/objects`);
      const key = { kind: info.kind, api_group: info.group, namespace: namespace ?? '', name: q.name };
      const r = await this.store.revisionAt(key, seq);
      if (!r) await this.mustKnowBefore(key, seq);
      if (!r || r.type === 'DELETED') throw notFound(info.plural, info.group, q.name);
      const o = (await this.store.requiredBody(r.sequence)).object;
      return { ...o, apiVersion: o.apiVersion || apiVersionOf(info), kind: o.kind || info.kind };
    }
    const { labels, fields } = this.d.reads.selectors(info, q);
    const items = await listExact(this.d.db, this.d.log, info, { ...(namespace ? { namespace } : {}), seq, labels, fields }, () => goneBefore(seq));
    return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: { resourceVersion: String(seq) }, items };
  }
}

/**
 * kubectl can only narrow a list with selectors: `kubectl get revisions --field-selector
 * involvedObject.kind=Deployment,involvedObject.name=web` means `kind=Deployment&name=web`.
 */
const REVISION_FIELDS: Readonly<Record<string, string>> = {
  'involvedObject.kind': 'kind',
  'involvedObject.name': 'name',
  'involvedObject.uid': 'uid',
  type: 'type',
};

export function withFieldSelector(q: Query): Query {
  if (!q.fieldSelector) return q;
  const out: Record<string, string | undefined> = { ...q };
  for (const term of q.fieldSelector.split(',').filter(Boolean)) {
    const m = /^([^=!]+)(==?)(.*)$/.exec(term);
    const param = m ? REVISION_FIELDS[m[1]!.trim()] : undefined;
    if (!m || !param) {
      throw badRequest(`"${term}" is not a supported field selector: supported are ${Object.keys(REVISION_FIELDS).map((k) => `${k}=`).join(', ')}`, [
        { reason: 'FieldValueNotSupported', message: 'unsupported field selector', field: 'fieldSelector' },
      ]);
    }
    out[param] = m[3]!.trim();
  }
  return out;
}

interface RevisionListBody {
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items: readonly { readonly metadata: object; readonly type: string; readonly time: string; readonly involvedObject: { kind: string; name: string }; readonly summary?: string; readonly compacted?: boolean; readonly author?: Author }[];
}

/** kubectl's table of revisions: NAME, TYPE, OBJECT, CHANGE, TIME (and AUTHOR with -o wide). */
function revisionTable(l: RevisionListBody, t: TableRequest): object {
  const col = (name: string, description: string, priority = 0) => ({ name, type: 'string', format: name === 'Name' ? 'name' : '', description, priority });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${t.version}`,
    metadata: l.metadata,
    columnDefinitions: [col('Name', 'the revision'), col('Type', 'ADDED, MODIFIED or DELETED'), col('Object', 'kind/name'), col('Change', 'what changed'), col('Time', 'when, RFC 3339'), col('Author', 'who made the change (the impersonated user via the requester)', 1)],
    rows: l.items.map((r) => ({
      cells: [(r.metadata as { name: string }).name, r.type, `${r.involvedObject.kind}/${r.involvedObject.name}`, r.summary ?? (r.compacted ? '(compacted)' : ''), r.time.replace(/\.\d+Z$/, 'Z'), authorLabel(r.author)],
      ...(t.includeObject === 'None' ? {} : { object: t.includeObject === 'Object' ? r : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${t.version}`, metadata: r.metadata } }),
    })),
  };
}

function goneBefore(seq: number): ApiError {
  return new ApiError('Gone', `too old resource version: ${seq} (the history before it has been compacted)`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
