/**
 * The history API (history.jetkube.io/v1) against real NATS and Postgres: one object's revisions
 * through create/update/delete, diffs, changes between sequences and times (paginated), deleted
 * objects found by uid, label and owner, a past list equal to `replay --to-seq`, 410 below what the
 * log keeps, and the events mirror's history columns unchanged by redelivery and by a replay from
 * sequence 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsonpatch from 'fast-json-patch';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { schemaName, streamName } from '../../shared/config.js';
import { createDb, diffSchemas, planBatch, applyPlan, type ProjectedEvent } from '../../shared/db/index.js';
import { resourceByPlural } from '../../shared/resources/registry.js';
import { microTime } from '../../shared/resources/time.js';
import { querySchema, streamEvents } from '../harness.js';
import { headers } from '@nats-io/transport-node';
import { EventLog, encodeEnvelope } from '../../shared/eventlog/index.js';
import { api, compactedConfigMaps, configMap, deployment, startStack, type Stack } from '../stack.js';

const H = '/apis/history.jetkube.io/v1';
const NS = '/api/v1/namespaces/default';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const MERGE = 'application/merge-patch+json';

const query = querySchema;

const ok = (r: { status: number; body: any }, code = 200) => {
  assert.equal(r.status, code, JSON.stringify(r.body));
  return r.body;
};
const rvOf = (r: { status: number; body: any }) => Number(ok(r, r.status === 201 ? 201 : 200).metadata.resourceVersion);
const strip = (o: any) => {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = o.metadata;
  return { ...o, metadata };
};
const tick = () => new Promise((r) => setTimeout(r, 15));

describe('history API', () => {
  let s: Stack;
  const seq: Record<string, number> = {};
  let uid = '';
  let tMid: Date;
  before(async () => {
    s = await startStack('hist');
    seq.created = rvOf(await api(s.url, 'POST', DEPLOYS, deployment('web', 3, 'web:v1')));
    uid = (await api(s.url, 'GET', `${DEPLOYS}/web`)).body.metadata.uid;
    seq.scaled = rvOf(await api(s.url, 'PATCH', `${DEPLOYS}/web`, { spec: { replicas: 5 } }, MERGE));
    const img = { spec: { template: { spec: { containers: [{ name: 'main', image: 'web:v2' }] } } } };
    seq.image = rvOf(await api(s.url, 'PATCH', `${DEPLOYS}/web`, img, 'application/strategic-merge-patch+json'));
    seq.cmA = rvOf(await api(s.url, 'POST', `${NS}/configmaps`, configMap('a', { v: '1' })));
    seq.cmC = rvOf(await api(s.url, 'POST', `${NS}/configmaps`, configMap('c', { v: '1' })));
    await tick();
    tMid = new Date();
    await tick();
    seq.cmA2 = rvOf(await api(s.url, 'PATCH', `${NS}/configmaps/a`, { data: { v: '2' } }, MERGE));
    seq.cmB = rvOf(await api(s.url, 'POST', `${NS}/configmaps`, configMap('b', { v: '1' })));
    seq.cmCgone = rvOf(await api(s.url, 'DELETE', `${NS}/configmaps/c`));
    const owned = { ...configMap('owned'), metadata: { name: 'owned', labels: { team: 'blue' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid }] } };
    seq.owned = rvOf(await api(s.url, 'POST', `${NS}/configmaps`, owned));
    seq.ownedGone = rvOf(await api(s.url, 'DELETE', `${NS}/configmaps/owned`));
    seq.deleted = rvOf(await api(s.url, 'DELETE', `${DEPLOYS}/web`));
  });
  after(async () => {
    await s?.close();
  });

  it('is in discovery', async () => {
    const groups = ok(await api(s.url, 'GET', '/apis'));
    assert.ok(groups.groups.some((g: any) => g.name === 'history.jetkube.io'));
    const list = ok(await api(s.url, 'GET', H));
    assert.deepEqual(list.resources.map((r: any) => [r.name, r.namespaced]), [['revisions', true], ['diffs', true], ['changes', true], ['objects', true], ['bounds', false]]);
    assert.equal((await api(s.url, 'POST', `${H}/namespaces/default/revisions`, {})).status, 405);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/nothing`)).status, 404);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/revisions?watch=true`)).status, 405);
    const bySelector = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?fieldSelector=${encodeURIComponent('involvedObject.kind=Deployment,involvedObject.name=web,type=ADDED')}`));
    assert.deepEqual(bySelector.items.map((r: any) => r.sequence), [seq.created]);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/revisions?fieldSelector=spec.x%3D1`)).status, 400);
  });

  it('lists the revisions of an object through create, updates and delete, with summaries', async () => {
    const l = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=deploy&name=web`));
    assert.equal(l.kind, 'RevisionList');
    const rows = l.items.map((r: any) => [r.sequence, r.type, r.generation, r.summary]);
    // The deployment controller is not running here: every event is the test's own.
    assert.deepEqual(rows, [
      [seq.created, 'ADDED', 1, 'created'],
      [seq.scaled, 'MODIFIED', 2, 'spec.replicas 3→5'],
      [seq.image, 'MODIFIED', 3, 'image web:v1→web:v2'],
      [seq.deleted, 'DELETED', 3, 'deleted'],
    ]);
    // A filtered page: each summary is still against the revision just before it.
    const modified = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=deploy&name=web&type=MODIFIED`));
    assert.deepEqual(modified.items.map((r: any) => r.summary), ['spec.replicas 3→5', 'image web:v1→web:v2']);
    const first = l.items[0];
    assert.equal(first.apiVersion, 'history.jetkube.io/v1');
    assert.equal(first.kind, 'Revision');
    assert.deepEqual(first.involvedObject, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web', uid });
    assert.equal(first.object.spec.replicas, 3);
    assert.equal(first.object.metadata.resourceVersion, String(seq.created));
    // Plain HTTP: every request is system:admin; the author is in the event's headers.
    assert.equal(first.author.user, 'system:admin');
    assert.match(first.author.requestId, /^[0-9a-f-]{36}$/);
    assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // Paginated: one at a time, same items.
    const seen: number[] = [];
    let cont = '';
    do {
      const p = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=Deployment&name=web&limit=1${cont ? `&continue=${cont}` : ''}`));
      seen.push(...p.items.map((r: any) => r.sequence));
      cont = p.metadata.continue ?? '';
    } while (cont);
    assert.deepEqual(seen, rows.map((r: any[]) => r[0]));
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=deploy&name=nope`)).status, 404);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=nokind`)).status, 400);
  });

  it('answers a long history whole and page by page alike', async () => {
    assert.equal((await api(s.url, 'POST', `${NS}/configmaps`, configMap('many', { v: '0' }))).status, 201);
    for (let i = 1; i < 40; i++) assert.equal((await api(s.url, 'PATCH', `${NS}/configmaps/many`, { data: { v: String(i) } }, MERGE)).status, 200);
    const whole = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=cm&name=many`)).items;
    assert.equal(whole.length, 40);
    assert.deepEqual(whole.map((r: any) => r.object.data.v), Array.from({ length: 40 }, (_, i) => String(i)));
    assert.deepEqual(whole.slice(1).map((r: any) => r.summary), Array.from({ length: 39 }, (_, i) => `data.v ${i}→${i + 1}`));
    const paged: any[] = [];
    let cont = '';
    do {
      const p = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=cm&name=many&limit=7${cont ? `&continue=${cont}` : ''}`));
      paged.push(...p.items);
      cont = p.metadata.continue ?? '';
    } while (cont);
    assert.deepEqual(paged, whole);
    assert.equal((await api(s.url, 'DELETE', `${NS}/configmaps/many`)).status, 200);
  });

  it('finds deleted objects by uid, label and owner', async () => {
    const byUid = ok(await api(s.url, 'GET', `${H}/revisions?uid=${uid}`));
    assert.deepEqual(byUid.items.map((r: any) => r.sequence), [seq.created, seq.scaled, seq.image, seq.deleted]);
    const byLabel = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?type=DELETED&labelSelector=team%3Dblue`));
    assert.deepEqual(byLabel.items.map((r: any) => [r.involvedObject.name, r.sequence]), [['owned', seq.ownedGone]]);
    assert.equal(byLabel.items[0].object.metadata.labels.team, 'blue', 'the final state of the deleted object');
    const byOwner = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?ownerUid=${uid}&objects=false`));
    assert.deepEqual(byOwner.items.map((r: any) => [r.involvedObject.name, r.type]), [['owned', 'ADDED'], ['owned', 'DELETED']]);
    assert.equal(byOwner.items[0].object, undefined);
  });

  it('diffs two revisions as a JSON patch and a unified YAML diff', async () => {
    const d = ok(await api(s.url, 'GET', `${H}/namespaces/default/diffs?kind=deployments&name=web&from=${seq.created}&to=${seq.image}`));
    assert.equal(d.kind, 'RevisionDiff');
    assert.equal(d.from.sequence, seq.created);
    assert.equal(d.to.sequence, seq.image);
    const revs = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=deploy&name=web`)).items;
    const applied = jsonpatch.applyPatch(structuredClone(strip(revs[0].object)), d.patch).newDocument;
    assert.deepEqual(applied, strip(revs[2].object));
    assert.match(d.unified, new RegExp(`^--- deployments/web@${seq.created}\\n\\+\\+\\+ deployments/web@${seq.image}\\n`));
    assert.match(d.unified, /^-  replicas: 3$/m);
    assert.match(d.unified, /^\+  replicas: 5$/m);
    assert.match(d.unified, /^-\s+image: web:v1$/m);
    assert.match(d.unified, /^\+\s+image: web:v2$/m);
    // No from: the revision before `to`. A `to` between revisions means the state then.
    const last = ok(await api(s.url, 'GET', `${H}/namespaces/default/diffs?kind=deploy&name=web&to=${seq.image + 1}`));
    assert.deepEqual([last.from.sequence, last.to.sequence], [seq.scaled, seq.image]);
    // Up to the deletion: the whole object goes.
    const gone = ok(await api(s.url, 'GET', `${H}/namespaces/default/diffs?uid=${uid}`));
    assert.deepEqual(gone.patch, [{ op: 'remove', path: '' }]);
    assert.equal(gone.to.type, 'DELETED');
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/diffs?kind=deploy&name=web&from=x`)).status, 400);
  });

  it('lists the changes between two sequences and between two times, paginated', async () => {
    const bySeq = ok(await api(s.url, 'GET', `${H}/namespaces/default/changes?kind=configmaps&from=${seq.cmC}&to=${seq.cmCgone}&unified=true`));
    const want = [
      ['a', 'MODIFIED', 1],
      ['b', 'ADDED', 1],
      ['c', 'DELETED', 1],
    ];
    assert.deepEqual(bySeq.items.map((c: any) => [c.involvedObject.name, c.type, c.revisions]), want);
    const a = bySeq.items[0];
    assert.deepEqual(a.patch, [{ op: 'replace', path: '/data/v', value: '2' }]);
    assert.match(a.unified, /^-  v: "1"$/m);
    assert.equal(bySeq.items[2].object.metadata.name, 'c', 'a deleted object carries its final state');
    assert.equal(ok(await api(s.url, 'GET', `${H}/namespaces/default/changes?kind=configmaps&from=${seq.cmC}&to=${seq.cmCgone}`)).items[0].unified, undefined, 'unified diffs on request');
    const byTime = ok(await api(s.url, 'GET', `${H}/namespaces/default/changes?kind=ConfigMap&from=${tMid.toISOString()}&to=${seq.cmCgone}`));
    assert.deepEqual(byTime.items.map((c: any) => [c.involvedObject.name, c.type, c.revisions]), want);
    assert.equal(byTime.fromSequence, seq.cmC);
    const names: string[] = [];
    let cont = '';
    do {
      const p = ok(await api(s.url, 'GET', `${H}/namespaces/default/changes?since=1h&limit=2${cont ? `&continue=${cont}` : ''}`));
      names.push(...p.items.map((c: any) => `${c.involvedObject.kind}/${c.involvedObject.name}:${c.type}`));
      cont = p.metadata.continue ?? '';
    } while (cont);
    // The gateway's own `kubernetes` Service and Endpoints in default are changes of the hour too.
    assert.deepEqual(names.filter((n) => !n.endsWith('/kubernetes:ADDED')), ['ConfigMap/a:ADDED', 'ConfigMap/b:ADDED', 'ConfigMap/c:DELETED', 'ConfigMap/many:DELETED', 'ConfigMap/owned:DELETED', 'Deployment/web:DELETED']);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/changes`)).status, 400);
  });

  it('answers alike from the log for events mirrored without their object (before migration 0015)', async () => {
    const paths = [
      `revisions?kind=cm&name=a`,
      `revisions?kind=deploy&name=web`,
      `revisions?labelSelector=team%3Dblue`,
      `diffs?kind=deployments&name=web&from=${seq.created}&to=${seq.image}`,
      `changes?from=0&to=${seq.cmCgone}&unified=true`,
      `changes?from=${seq.created}&to=${seq.cmCgone}&limit=2`,
    ];
    const read = async () => Promise.all(paths.map(async (p) => ok(await api(s.url, 'GET', `${H}/namespaces/default/${p}`))));
    const fromMirror = await read();
    // Every other event as an older mirror holds it: a page then mixes both reads.
    await query(s.cfg, `create table saved_objects as select sequence, object from events; update events set object = null where sequence % 2 = 1`);
    try {
      assert.deepEqual(await read(), fromMirror);
      await query(s.cfg, `update events set object = null`);
      assert.deepEqual(await read(), fromMirror);
    } finally {
      await query(s.cfg, `update events e set object = o.object from saved_objects o where o.sequence = e.sequence; drop table saved_objects`);
    }
  });

  it('answers a list and a get at a past sequence or time, equal to replay --to-seq into a schema', async () => {
    const at = seq.cmB;
    const past = ok(await api(s.url, 'GET', `${H}/namespaces/default/objects?kind=configmaps&at=${at}`));
    assert.equal(past.kind, 'ConfigMapList');
    assert.equal(past.metadata.resourceVersion, String(at));
    const { replay } = await import('../../services/projector/index.js');
    const r = await replay(s.cfg, { toSeq: at });
    const rows = await query(s.cfg, `select object from "${r.schema}".configmaps where namespace = 'default' order by name`);
    const fromReplay = rows.map((x) => x.object);
    const sorted = [...past.items].sort((x: any, y: any) => x.metadata.name.localeCompare(y.metadata.name));
    assert.deepEqual(sorted, fromReplay);
    assert.deepEqual(sorted.map((o: any) => [o.metadata.name, o.data.v]), [['a', '2'], ['b', '1'], ['c', '1']]);
    const one = ok(await api(s.url, 'GET', `${H}/namespaces/default/objects?kind=deploy&name=web&at=${seq.scaled}`));
    assert.equal(one.spec.replicas, 5);
    const then = ok(await api(s.url, 'GET', `${H}/namespaces/default/objects?kind=cm&at=${tMid.toISOString()}`));
    assert.deepEqual(then.items.map((o: any) => o.metadata.name).sort(), ['a', 'c']);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/objects?kind=deploy&name=web&at=${seq.deleted}`)).status, 404);
  });

  it('tells the sequences it spans with their times, and the time of a point', async () => {
    const b = ok(await api(s.url, 'GET', `${H}/bounds`));
    assert.equal(b.kind, 'HistoryBounds');
    assert.equal(b.first.sequence, 1);
    assert.ok(b.last.sequence >= seq.deleted);
    assert.equal(b.metadata.resourceVersion, String(b.last.sequence));
    assert.ok(b.first.time <= b.last.time);
    assert.equal(b.at, undefined);
    const scaled = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=deploy&name=web&type=MODIFIED&limit=1`)).items[0];
    const at = ok(await api(s.url, 'GET', `${H}/bounds?at=${seq.scaled}`)).at;
    assert.deepEqual(at, { sequence: seq.scaled, time: scaled.time });
    // A time names the last sequence at or before it.
    assert.equal(ok(await api(s.url, 'GET', `${H}/bounds?at=${tMid.toISOString()}`)).at.sequence, seq.cmC);
    assert.equal((await api(s.url, 'GET', `${H}/bounds?at=soon`)).status, 400);
    assert.equal((await api(s.url, 'GET', `${H}/namespaces/default/bounds`)).status, 404);
  });

  it('shows the author the message headers name', async () => {
    // What the gateway will write once requests are authenticated: published here as it would.
    const el = await EventLog.connect({ natsUrl: s.cfg.natsUrl, prefix: s.cfg.prefix, historyPerObject: s.cfg.historyPerObject });
    try {
      const hdrs = headers();
      hdrs.set('Jetkube-User', 'alice');
      hdrs.set('Jetkube-Field-Manager', 'kubectl-client-side-apply');
      const obj = { ...configMap('authored'), metadata: { name: 'authored', namespace: 'default', uid: 'u-authored' } };
      await el.js.publish(el.subjectFor('configmaps', 'default', 'authored'), encodeEnvelope('ADDED', obj), { headers: hdrs, expect: { lastSubjectSequence: 0 } });
    } finally {
      await el.close();
    }
    const l = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=cm&name=authored`));
    assert.deepEqual(l.items[0].author, { user: 'alice', fieldManager: 'kubectl-client-side-apply' });
  });

  it('keeps the mirror identical under redelivery and after a replay from sequence 1', async () => {
    const live = schemaName(s.cfg.prefix);
    const snap = `${live}_snap_hist`;
    const tables = await query<{ tablename: string }>(s.cfg, `select tablename from pg_tables where schemaname = '${live}'`);
    await query(s.cfg, [`create schema "${snap}"`, ...tables.map((t) => `create table "${snap}"."${t.tablename}" as select * from "${live}"."${t.tablename}"`)].join(';\n'));
    const owners = await query(s.cfg, `select owner_uids from events where name = 'owned' order by sequence`);
    assert.deepEqual(owners.map((o) => o.owner_uids), [[uid], [uid]]);
    // Redelivery: every event on the stream projected again.
    const events: ProjectedEvent[] = (await streamEvents(s.cfg)).flatMap((e) => {
      const info = resourceByPlural(e.subject.split('.')[2]!);
      return info ? [{ seq: e.seq, time: microTime(e.time), type: e.type, info, object: e.object, subject: e.subject }] : [];
    });
    const db = createDb(s.cfg.databaseUrl, live, { max: 1 });
    try {
      await applyPlan(db, planBatch(events));
      assert.deepEqual(await diffSchemas(db, snap, live), []);
      const { replay } = await import('../../services/projector/index.js');
      await replay(s.cfg, {});
      assert.deepEqual(await diffSchemas(db, snap, live), [], 'a replay from sequence 1 rebuilds the same mirror');
    } finally {
      await db.destroy();
    }
  });
});

describe('history API below what the log keeps', () => {
  let s: Stack;
  const hot: number[] = [];
  const cold: number[] = [];
  /** A consistent read: returns once the projector has mirrored everything written so far. */
  const mirrored = async () => ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=cm&limit=1`));
  before(async () => {
    s = await startStack('histgone', { historyPerObject: 2 });
    const written = await compactedConfigMaps(s, mirrored);
    hot.push(...written.hot);
    cold.push(...written.cold);
  });
  after(async () => {
    await s?.close();
  });

  it('answers 410 Gone for a diff, a change or a list that needs a compacted revision, and marks it in the revision list', async () => {
    for (const path of [
      `diffs?kind=cm&name=hot&from=${hot[0]}&to=${hot[3]}`,
      `changes?from=${hot[0]}&to=${hot[3]}`,
      `objects?kind=cm&at=${hot[1]}`,
      `objects?kind=cm&name=hot&at=${hot[0]}`,
      `diffs?kind=cm&name=cold&from=${cold[0]}&to=${cold[3]}`,
      `diffs?kind=cm&name=cold&to=${cold[2]}`,
      `changes?kind=cm&from=${cold[1]}&to=${cold[3]}`,
      `objects?kind=cm&name=cold&at=${cold[1]}`,
      `objects?kind=cm&at=${cold[1]}`,
    ]) {
      const r = await api(s.url, 'GET', `${H}/namespaces/default/${path}`);
      assert.equal(r.status, 410, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.reason, 'Gone');
      assert.match(r.body.message, /too old resource version/);
    }
    const revs = ok(await api(s.url, 'GET', `${H}/namespaces/default/revisions?kind=cm&name=hot`));
    assert.deepEqual(revs.items.map((r: any) => [r.sequence, r.compacted ?? false]), [[hot[0], true], [hot[1], true], [hot[2], false], [hot[3], false]]);
    assert.equal(revs.items[3].summary, 'data.v 2→3');
    const d = ok(await api(s.url, 'GET', `${H}/namespaces/default/diffs?kind=cm&name=hot&from=${hot[2]}&to=${hot[3]}`));
    assert.deepEqual(d.patch, [{ op: 'replace', path: '/data/v', value: '3' }]);
    const c = ok(await api(s.url, 'GET', `${H}/namespaces/default/diffs?kind=cm&name=cold&from=${cold[2]}&to=${cold[3]}`));
    assert.deepEqual(c.patch, [{ op: 'replace', path: '/data/v', value: '3' }]);
  });

  it('starts its bounds at the log\'s first sequence once the oldest messages are gone', async () => {
    assert.equal(ok(await api(s.url, 'GET', `${H}/bounds`)).first.sequence, 1);
    // The stream's oldest messages removed, as a retention limit would.
    const nc = await connect({ servers: s.cfg.natsUrl.split(',') });
    try {
      const jsm = await jetstreamManager(nc);
      for (const n of [1, 2]) await jsm.streams.deleteMessage(streamName(s.cfg.prefix), n, false);
    } finally {
      await nc.close();
    }
    const b = ok(await api(s.url, 'GET', `${H}/bounds`));
    assert.equal(b.first.sequence, 3);
    const third = (await query(s.cfg, 'select min(sequence) as s from events where sequence >= 3'))[0].s;
    const time = ok(await api(s.url, 'GET', `${H}/bounds?at=${third}`)).at.time;
    assert.equal(b.first.time, time);
  });
});
