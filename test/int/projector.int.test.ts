/**
 * The projector against real NATS and Postgres: typed columns, the events mirror and the checkpoint;
 * redelivery, replay from sequence 1, a crash between commit and ack, and lost Postgres connections
 * all end in exactly the same tables with nothing written twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastSeq, querySchema } from '../harness.js';
import { schemaName, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { EventLog } from '../../shared/eventlog/index.js';
import { createDb, diffSchemas } from '../../shared/db/index.js';
import { Projector } from '../../services/projector/index.js';
import { api, configMap, deployment, pod, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

const query = querySchema;

/** Copy the live schema aside (tables and rows) so a later state can be compared with diffSchemas. */
async function snapshot(cfg: Config, name: string): Promise<string> {
  const live = schemaName(cfg.prefix);
  const target = `${live}_snap_${name}`;
  const tables = await query<{ tablename: string }>(cfg, `select tablename from pg_tables where schemaname = $1`, [live]);
  const stmts = [`drop schema if exists "${target}" cascade`, `create schema "${target}"`];
  for (const { tablename } of tables) {
    stmts.push(`create table "${target}"."${tablename}" as select * from "${live}"."${tablename}"`);
  }
  await query(cfg, stmts.join(';\n'));
  return target;
}

async function diff(cfg: Config, a: string, b = schemaName(cfg.prefix)) {
  const db = createDb(cfg.databaseUrl, schemaName(cfg.prefix), { max: 1 });
  try {
    return await diffSchemas(db, a, b);
  } finally {
    await db.destroy();
  }
}

/** Some churn through the gateway: creates, updates, status writes, a binding, deletes. */
async function churn(s: Stack, tag: string, n = 20): Promise<void> {
  for (let i = 0; i < n; i++) {
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap(`${tag}-cm-${i}`, { v: '0' }))).status, 201);
  }
  for (let i = 0; i < n; i += 2) {
    const r = await api(s.url, 'PATCH', `/api/v1/namespaces/default/configmaps/${tag}-cm-${i}`, { data: { v: '1' } }, 'application/merge-patch+json');
    assert.equal(r.status, 200);
  }
  for (let i = 0; i < n; i += 5) {
    assert.equal((await api(s.url, 'DELETE', `/api/v1/namespaces/default/configmaps/${tag}-cm-${i}`)).status, 200);
  }
  assert.equal((await api(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment(`${tag}-web`, 3))).status, 201);
  assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod(`${tag}-p`, { app: tag }))).status, 201);
}

describe('projector', () => {
  let s: Stack;
  before(async () => {
    s = await startStack('proj');
  });
  after(async () => {
    await s?.close();
  });

  it('projects objects into typed columns, mirrors the log and advances the checkpoint', async () => {
    await churn(s, 'a');
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { zone: 'z1' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.1.1' }] },
    };
    assert.equal((await api(s.url, 'POST', '/api/v1/nodes', node)).status, 201);
    const bind = await api(s.url, 'POST', '/api/v1/namespaces/default/pods/a-p/binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'a-p' },
      target: { kind: 'Node', name: 'n1' },
    });
    assert.equal(bind.status, 201);
    const cur = (await api(s.url, 'GET', '/api/v1/namespaces/default/pods/a-p')).body;
    const st = await api(s.url, 'PUT', '/api/v1/namespaces/default/pods/a-p/status', {
      ...cur,
      status: {
        phase: 'Running',
        podIP: '127.0.1.5',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'main', image: 'busybox:1.36', imageID: '', ready: true, restartCount: 2, started: true, state: { running: {} } }],
      },
    });
    assert.equal(st.status, 200, JSON.stringify(st.body));
    // A list waits for the checkpoint: once it answers, the tables hold everything written so far.
    assert.equal((await api(s.url, 'GET', '/api/v1/pods')).status, 200);

    const [p] = await query(s.cfg, `select * from pods where name = 'a-p'`);
    assert.equal(p.namespace, 'default');
    assert.equal(p.node_name, 'n1');
    assert.equal(p.phase, 'Running');
    assert.equal(p.pod_ip, '127.0.1.5');
    assert.equal(p.ready, true);
    assert.equal(p.restarts, 2);
    assert.deepEqual(p.images, ['busybox:1.36']);
    assert.deepEqual(p.labels, { app: 'a' });
    assert.equal(String(p.resource_version), st.body.metadata.resourceVersion);
    assert.equal(p.object.metadata.uid, p.uid);

    const [d] = await query(s.cfg, `select replicas, images, generation from deployments where name = 'a-web'`);
    assert.deepEqual([d.replicas, d.images, Number(d.generation)], [3, ['nginx:1.27'], 1]);
    const [n] = await query(s.cfg, `select ready, internal_ip, namespace from nodes where name = 'n1'`);
    assert.deepEqual([n.ready, n.internal_ip], [true, '127.0.1.1']);

    const cms = await query(s.cfg, `select name, object->'data'->>'v' as v from configmaps where name like 'a-cm-%' order by name`);
    assert.equal(cms.length, 16, 'four of twenty were deleted');
    assert.ok(cms.every((r) => r.v === (Number(r.name.split('-').pop()) % 2 === 0 ? '1' : '0')));

    const seq = await lastSeq(s.cfg);
    const [cp] = await query(s.cfg, `select last_seq from checkpoint`);
    assert.equal(Number(cp.last_seq), seq);
    const ev = await query(s.cfg, `select type, kind, namespace, name from events where name = 'a-cm-0' order by sequence`);
    assert.deepEqual(
      ev.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.equal(ev[0].kind, 'ConfigMap');
    const [{ n: mirrored }] = await query(s.cfg, `select count(*)::int as n, count(distinct sequence)::int as d from events`);
    const resourceMsgs = await countResourceMessages(s.cfg);
    assert.equal(mirrored, resourceMsgs, 'one mirror row per resource event');
  });

  it('redelivered messages write nothing twice (never-acking projector)', async () => {
    await churn(s, 'b', 10);
    await api(s.url, 'GET', '/api/v1/configmaps');
    const before = await snapshot(s.cfg, 'redeliver');
    await s.stopProjector();
    // Reset the durable to sequence 1 as a second, never-acking projector: everything arrives again,
    // and again after every ack wait.
    await query(s.cfg, `update checkpoint set last_seq = 0`);
    const p = new Projector(s.cfg, silent, {
      hooks: { skipAck: true },
      ackWaitMs: 500,
      maxAckPending: 100_000,
      maxBatch: 7,
    }).start();
    try {
      await p.waitFor(await lastSeq(s.cfg), 30_000);
      await new Promise((r) => setTimeout(r, 1500)); // at least two ack waits of redeliveries
      const skipped = (await p.metrics.events.get()).values.find((v) => v.labels.result === 'skipped');
      assert.ok((skipped?.value ?? 0) > 0, 'messages were delivered again');
    } finally {
      await p.stop();
    }
    assert.deepEqual(await diff(s.cfg, before), [], 'the tables equal what they were before the redelivery');
    await s.startProjector();
  });

  it('a crash between commit and ack loses nothing and duplicates nothing', async () => {
    await s.stopProjector();
    let crashes = 0;
    const p = new Projector(s.cfg, silent, {
      maxBatch: 5,
      hooks: {
        afterCommit: () => {
          if (crashes++ < 3) throw new Error('simulated crash after commit');
        },
      },
    }).start();
    try {
      // Writes go straight to the log while the projector crashes and restarts.
      await churn(s, 'c', 10);
      await p.waitFor(await lastSeq(s.cfg), 30_000);
    } finally {
      await p.stop();
    }
    assert.ok(crashes > 3, 'the hook fired');
    await s.startProjector();
    const [{ n, d }] = await query(s.cfg, `select count(*)::int as n, count(distinct sequence)::int as d from events`);
    assert.equal(n, d);
    assert.equal(n, await countResourceMessages(s.cfg));
    const cms = await query(s.cfg, `select count(*)::int as n from configmaps where name like 'c-cm-%'`);
    assert.equal(cms[0].n, 8);
  });

  it('survives its Postgres connections being killed mid-stream', async () => {
    const writes = churn(s, 'd', 30);
    const killer = (async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 60));
        await query(s.cfg, `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'jetkube-projector/${s.cfg.prefix}' and pid <> pg_backend_pid()`);
      }
    })();
    await Promise.all([writes, killer]);
    // The gateway's consistent list waits for the projector to come back and catch up; if the
    // reconnects outlast that wait (a loaded machine), it answers 504 with Retry-After and the
    // client asks again, as a Kubernetes client does.
    const r = await eventually('the projector back and caught up (a consistent list answered)', async () => {
      const res = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=');
      return res.status === 504 ? undefined : res;
    }, 60_000);
    assert.equal(r.status, 200);
    const names = new Set(r.body.items.map((i: any) => i.metadata.name));
    for (let i = 0; i < 30; i++) assert.equal(names.has(`d-cm-${i}`), i % 5 !== 0, `d-cm-${i}`);
    const [{ n, d }] = await query(s.cfg, `select count(*)::int as n, count(distinct sequence)::int as d from events`);
    assert.equal(n, d);
    assert.equal(n, await countResourceMessages(s.cfg));
  });

  it('replay rebuilds identical tables and swaps them in while lists keep answering in full', async () => {
    await api(s.url, 'GET', '/api/v1/configmaps');
    const before = await snapshot(s.cfg, 'replay');
    const expected = (await api(s.url, 'GET', '/api/v1/configmaps')).body.items.length;
    const { replay } = await import('../../services/projector/index.js');
    let stop = false;
    let lists = 0;
    const reader = (async () => {
      while (!stop) {
        const r = await api(s.url, 'GET', '/api/v1/configmaps?resourceVersion=0');
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.items.length, expected, 'a list during replay sees the whole old or new state');
        lists++;
      }
    })();
    const progress: number[] = [];
    const res = await replay(s.cfg, { window: 50, onProgress: (p) => progress.push(p.done) });
    stop = true;
    await reader;
    assert.ok(lists > 0);
    assert.equal(res.schema, schemaName(s.cfg.prefix));
    assert.equal(res.lastSeq, await lastSeq(s.cfg));
    assert.ok(progress.length > 0);
    assert.deepEqual(await diff(s.cfg, before), [], 'replayed tables equal the continuously projected ones');
    // The projector carries on from the swapped-in checkpoint.
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap('after-replay'))).status, 201);
    const r = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps/after-replay');
    assert.equal(r.status, 200);
    const l = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name=after-replay');
    assert.equal(l.body.items.length, 1);
  });

  it('point-in-time replay builds the cluster as it was into asof_<seq> and leaves live alone', async () => {
    const mk = await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap('pit', { v: 'one' }));
    const s1 = Number(mk.body.metadata.resourceVersion);
    const up = await api(s.url, 'PATCH', '/api/v1/namespaces/default/configmaps/pit', { data: { v: 'two' } }, 'application/merge-patch+json');
    const s2 = Number(up.body.metadata.resourceVersion);
    await new Promise((r) => setTimeout(r, 20));
    const t2 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const other = await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap('pit-later'));
    assert.equal(other.status, 201);
    assert.equal((await api(s.url, 'DELETE', '/api/v1/namespaces/default/configmaps/pit')).status, 200);
    const liveBefore = await snapshot(s.cfg, 'pit');

    const { replay } = await import('../../services/projector/index.js');
    const atS1 = await replay(s.cfg, { toSeq: s1 });
    assert.equal(atS1.schema, `${schemaName(s.cfg.prefix)}_asof_${s1}`);
    const q = (schema: string) =>
      query(s.cfg, `select name, object->'data'->>'v' as v, resource_version from "${schema}".configmaps where name like 'pit%' order by name`);
    assert.deepEqual((await q(atS1.schema)).map((r) => [r.name, r.v, Number(r.resource_version)]), [['pit', 'one', s1]]);

    const atT2 = await replay(s.cfg, { toTime: t2 });
    assert.equal(atT2.lastSeq, s2);
    assert.deepEqual((await q(atT2.schema)).map((r) => [r.name, r.v]), [['pit', 'two']]);
    const [cp] = await query(s.cfg, `select last_seq from "${atT2.schema}".checkpoint`);
    assert.equal(Number(cp.last_seq), s2);
    const [ev] = await query(s.cfg, `select max(sequence)::int as m from "${atT2.schema}".events`);
    assert.equal(ev.m, s2);

    assert.deepEqual(await q(schemaName(s.cfg.prefix)).then((r) => r.map((x) => x.name)), ['pit-later']);
    assert.deepEqual(await diff(s.cfg, liveBefore), [], 'the live tables are untouched');
  });
});

/** Resource events on the stream (allocation reservations are not mirrored). */
async function countResourceMessages(cfg: Config): Promise<number> {
  const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
  try {
    const info = await el.jsm.streams.info(el.stream, { subjects_filter: `${cfg.prefix}.res.>` });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  } finally {
    await el.close();
  }
}

