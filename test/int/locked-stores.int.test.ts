/**
 * The stream is the gateway's alone (issue 16 item 5), against a real nats-server run with the
 * generated configuration (shared/nats-lock) and real Postgres roles (shared/db/roles.ts): a
 * forged Pod event published with the projector's or any reader component's credential is refused
 * by the server and the stream's message count does not move; no credential at all cannot connect;
 * the gateway's writes still land and the projector still projects them; each reader reads only
 * its own resources (shared/nats-lock/reads.ts): the kubelet's consumer on pods works, one on
 * Secrets (or on everything, or with no filter in the subject) is refused, a direct get by
 * sequence is refused; the scheduler cannot read Secrets either. The gateway's Postgres role reads
 * but cannot write.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { schemaName, streamName, type Config } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { EventLog, eventLogOptionsOf, encodeEnvelope } from '../../shared/eventlog/index.js';
import { startLockedNats, type LockedNats } from '../../shared/nats-lock/server.js';
import { NATS_ROLES, type NatsRole } from '../../shared/nats-lock/config.js';
import { READER_COMPONENTS, readScopeOf, ReadScopeError } from '../../shared/nats-lock/reads.js';
import { Informer } from '../../shared/informer/index.js';
import { dbRoleNames, ensureRoles, urlAsRole, type DbRoles } from '../../shared/db/roles.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { startProjector } from '../../services/projector/index.js';
import { dropDbRoles, dropPrefix, testConfig } from '../harness.js';
import { hasNatsServer, NATS_BIN } from '../private-nats.js';
import { api, pod } from '../stack.js';
import { eventually } from '../wait.js';

describe('locked stores: NATS permissions and Postgres roles', { skip: hasNatsServer ? false : `${NATS_BIN} not installed` }, () => {
  let cfg: Config;
  let dir: string;
  let nats: LockedNats;
  let roles: DbRoles;
  let gateway: RunningGateway;
  let projector: { close(): Promise<void> };
  const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
  const as = (role: NatsRole): Config => ({
    ...cfg,
    natsUrl: nats.url,
    natsCredentials: nats.credentials[role],
    ...(role === 'gateway' ? { databaseUrl: urlAsRole(cfg.databaseUrl, roles.gateway) } : {}),
    ...(role === 'projector' ? { databaseUrl: urlAsRole(cfg.databaseUrl, roles.projector) } : {}),
  });
  const messages = async () => {
    const nc = await connect({ servers: nats.url, user: nats.credentials.gateway.user, pass: nats.credentials.gateway.password });
    try {
      return (await (await jetstreamManager(nc)).streams.info(streamName(cfg.prefix))).state.messages;
    } finally {
      await nc.close();
    }
  };

  before(async () => {
    cfg = await testConfig('locked');
    dir = await mkdtemp(join(tmpdir(), 'jetkube-locked-'));
    const pw = () => randomBytes(12).toString('hex');
    nats = await startLockedNats(dir, cfg.prefix, Object.fromEntries(NATS_ROLES.map((r) => [r, pw()])) as Record<NatsRole, string>, { bin: NATS_BIN });
    const names = dbRoleNames(cfg.prefix);
    roles = { projector: { name: names.projector, password: pw() }, gateway: { name: names.gateway, password: pw() } };
    await ensureRoles(cfg.databaseUrl, schemaName(cfg.prefix), roles);
    // The projector first, as `up` starts them: it migrates, the gateway waits for that, then makes the stream.
    projector = await startProjector(as('projector'), silent);
    gateway = await startGateway(as('gateway'), silent, { serviceAccountAdmission: false });
  });
  after(async () => {
    await gateway?.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    await nats?.close();
    if (cfg) {
      await dropPrefix(cfg);
      await dropDbRoles(cfg);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a gateway write lands, and the projector projects it (the list is read with the gateway role)', async () => {
    const created = await api(gateway.url, 'POST', '/api/v1/namespaces/default/pods', pod('real'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const list = await api(gateway.url, 'GET', '/api/v1/namespaces/default/pods');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((p: { metadata: { name: string } }) => p.metadata.name), ['real']);
  });

  for (const role of ['projector', ...READER_COMPONENTS] as const) {
    it(`a forged Pod event published as the ${role} is refused by the server; the stream does not move`, async () => {
      const before = await messages();
      const nc = await connect({ servers: nats.url, user: nats.credentials[role].user, pass: nats.credentials[role].password });
      try {
        const forged = encodeEnvelope('ADDED', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'forged', namespace: 'default' }, spec: { nodeName: 'anywhere', containers: [] } });
        await assert.rejects(jetstream(nc).publish(`${cfg.prefix}.res.pods.default.forged`, forged, { timeout: 5000 }), /Permissions Violation for Publish/);
        await assert.rejects(jetstream(nc).publish(`${cfg.prefix}.alloc.serviceips.x`, 'taken', { timeout: 5000 }), /Permissions Violation for Publish/);
        // Nor may it change the stream (purge the log, or reconfigure it).
        await assert.rejects((await jetstreamManager(nc)).streams.purge(streamName(cfg.prefix)), /Permissions Violation for Publish/);
      } finally {
        await nc.close();
      }
      assert.equal(await messages(), before);
      const got = await api(gateway.url, 'GET', '/api/v1/namespaces/default/pods/forged');
      assert.equal(got.status, 404);
    });
  }

  it("a forged checkpoint announcement (which would let the gateway serve a stale list) never reaches the gateway's user", async () => {
    const as = async (role: NatsRole) => connect({ servers: nats.url, user: nats.credentials[role].user, pass: nats.credentials[role].password });
    const [gw, reader, proj] = [await as('gateway'), await as('kubelet'), await as('projector')];
    try {
      const got: string[] = [];
      const sub = gw.subscribe(`${cfg.prefix}-sys.checkpoint`, { callback: (_e, m) => void got.push(m.string()) });
      await gw.flush();
      reader.publish(`${cfg.prefix}-sys.checkpoint`, '999999');
      await reader.flush();
      // The projector's own announcement is the marker: once it is in, the reader's would have been too.
      // (The running projector announces real checkpoints meanwhile: only the forged value matters.)
      proj.publish(`${cfg.prefix}-sys.checkpoint`, '0');
      await proj.flush();
      await eventually('the projector\'s announcement', async () => got.includes('0') || undefined, 5000);
      assert.ok(!got.includes('999999'), `the gateway's user received ${got.join(', ')}`);
      sub.unsubscribe();
    } finally {
      await Promise.all([gw.close(), reader.close(), proj.close()]);
    }
  });

  it('a connection without a credential is refused', async () => {
    await assert.rejects(connect({ servers: nats.url, reconnect: false }), /Authorization Violation/);
  });

  it('the kubelet reads its own resources as its informers do: stream info, a pods informer, the newest message of a pod', async () => {
    const el = await EventLog.connect({ ...eventLogOptionsOf(as('kubelet'), 'test-kubelet'), reads: readScopeOf('kubelet')! });
    const pods = new Informer({ log: el, plural: 'pods', streamCheckMs: 0 });
    try {
      const last = await el.getLast(el.subjectFor('pods', 'default', 'real'));
      assert.equal(last?.object.metadata.name, 'real');
      assert.ok((await el.state()).lastSeq >= last!.seq);
      await pods.start();
      await pods.waitForSync();
      assert.ok(pods.getByName('default', 'real'));
      // and its informers are held to its row before the server is asked
      assert.throws(() => new Informer({ log: el, plural: 'secrets' }), ReadScopeError);
    } finally {
      await pods.stop();
      await el.close();
    }
  });

  describe('scoped readers: what the server refuses', () => {
    const S = () => streamName(cfg.prefix);
    const P = () => cfg.prefix;
    const denied = /Permissions Violation for Publish/;
    const connectAs = (role: NatsRole) => connect({ servers: nats.url, user: nats.credentials[role].user, pass: nats.credentials[role].password });
    const consumerOn = (name: string, filter?: string) => ({ name, ack_policy: AckPolicy.None, mem_storage: true, inactive_threshold: 5_000_000_000, ...(filter ? { filter_subject: filter } : {}) });
    before(async () => {
      const created = await api(gateway.url, 'POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    });

    it('the kubelet: a consumer on pods is made; on Secrets, ConfigMaps, everything, allocations or with no filter in the subject it is refused', async () => {
      const nc = await connectAs('kubelet');
      try {
        const jsm = await jetstreamManager(nc);
        const ok = await jsm.consumers.add(S(), consumerOn('kpods', `${P()}.res.pods.>`));
        assert.ok(ok.num_pending >= 1);
        await jsm.consumers.delete(S(), 'kpods');
        for (const filter of [`${P()}.res.secrets.>`, `${P()}.res.configmaps.>`, `${P()}.res.>`, `${P()}.res.*.default.db`, `${P()}.alloc.>`, undefined]) {
          await assert.rejects(jsm.consumers.add(S(), consumerOn('ksteal', filter)), denied, `filter ${filter}`);
        }
        // the body-only form (no name: any filter in the body)
        await assert.rejects(jsm.consumers.add(S(), { ack_policy: AckPolicy.None, filter_subject: `${P()}.res.secrets.>` }), denied);
      } finally {
        await nc.close();
      }
    });

    it('the kubelet: a body whose filter differs from the subject\'s is refused by JetStream itself', async () => {
      const nc = await connectAs('kubelet');
      try {
        const req = { stream_name: S(), config: consumerOn('kmix', `${P()}.res.secrets.>`) };
        const r = await nc.request(`$JS.API.CONSUMER.CREATE.${S()}.kmix.${P()}.res.pods.>`, JSON.stringify(req), { timeout: 5000 });
        const body = JSON.parse(r.string()) as { error?: { description: string }; config?: unknown };
        assert.ok(body.error, `JetStream made it: ${r.string()}`);
        // several filters in the body: refused (2.10: not with the subject form), or ignored (2.9
        // knows no filter_subjects): never a consumer on Secrets
        const multi = { stream_name: S(), config: { ...consumerOn('kmulti'), filter_subjects: [`${P()}.res.secrets.>`] } };
        const m = await nc.request(`$JS.API.CONSUMER.CREATE.${S()}.kmulti.${P()}.res.pods.>`, JSON.stringify(multi), { timeout: 5000 });
        const made = JSON.parse(m.string()) as { error?: unknown; config?: { filter_subject?: string; filter_subjects?: string[] } };
        if (!made.error) {
          assert.equal(made.config?.filter_subject, `${P()}.res.pods.>`, m.string());
          assert.ok(!made.config?.filter_subjects?.length, m.string());
        }
      } finally {
        await nc.close();
      }
    });

    it('the kubelet: a direct get by sequence, a stream message get and a direct get of a Secret subject are refused; a pod\'s newest message is served', async () => {
      const nc = await connectAs('kubelet');
      try {
        const jsm = await jetstreamManager(nc);
        await assert.rejects(jsm.direct.getMessage(S(), { seq: 1 }), denied);
        await assert.rejects(jsm.streams.getMessage(S(), { seq: 1 }), denied);
        await assert.rejects(jsm.direct.getMessage(S(), { last_by_subj: `${P()}.res.secrets.default.db` }), denied);
        const m = await jsm.direct.getMessage(S(), { last_by_subj: `${P()}.res.pods.default.real` });
        assert.equal(m?.subject, `${P()}.res.pods.default.real`);
        // the last-by-subject form with a body asking for a sequence: never another subject's message
        const r = await nc.request(`$JS.API.DIRECT.GET.${S()}.${P()}.res.pods.default.real`, JSON.stringify({ seq: 1 }), { timeout: 5000 });
        const subject = r.headers?.get('Nats-Subject') ?? '';
        assert.ok(subject === '' || subject.startsWith(`${P()}.res.pods.`), `served ${subject}`);
      } finally {
        await nc.close();
      }
    });

    it('the scheduler reads nodes and pods, not Secrets; the proxy not pods; dns and the kubelet not Secrets', async () => {
      for (const [role, plural, allowed] of [
        ['scheduler', 'nodes', true],
        ['scheduler', 'secrets', false],
        ['proxy', 'endpoints', true],
        ['proxy', 'pods', false],
        ['dns', 'secrets', false],
        ['ingress', 'secrets', true],
        ['ingress', 'configmaps', false],
        ['controller-manager', 'secrets', true],
      ] as const) {
        const nc = await connectAs(role);
        try {
          const jsm = await jetstreamManager(nc);
          const made = jsm.consumers.add(S(), consumerOn(`c_${role.replace('-', '_')}_${plural}`, `${P()}.res.${plural}.>`));
          if (allowed) await made;
          else await assert.rejects(made, denied, `${role} on ${plural}`);
        } finally {
          await nc.close();
        }
      }
    });
  });

  it("the gateway's Postgres role reads the projection but cannot write it", async () => {
    const client = new pg.Client({ connectionString: urlAsRole(cfg.databaseUrl, roles.gateway) });
    await client.connect();
    try {
      const schema = schemaName(cfg.prefix);
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${schema}".pods`);
      assert.equal(Number(rows[0]!.n), 1);
      await assert.rejects(client.query(`insert into "${schema}".checkpoint (id, last_seq) values (2, 0)`), (e: { code?: string }) => e.code === '42501');
      await assert.rejects(client.query(`update "${schema}".pods set name = 'x'`), (e: { code?: string }) => e.code === '42501');
      await assert.rejects(client.query(`create table "${schema}".mine (x int)`), (e: { code?: string }) => e.code === '42501');
    } finally {
      await client.end();
    }
  });

  it('the projector keeps projecting what the gateway writes next', async () => {
    assert.equal((await api(gateway.url, 'POST', '/api/v1/namespaces/default/pods', pod('second'))).status, 201);
    await eventually('the second pod in the list', async () => {
      const list = await api(gateway.url, 'GET', '/api/v1/namespaces/default/pods');
      return list.body.items.length === 2 || undefined;
    });
  });
});

describe('ensureRoles', () => {
  let cfg: Config;
  let roles: DbRoles;
  const sql = async (url: string, ...queries: string[]) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      let last: pg.QueryResult | undefined;
      for (const q of queries) last = await client.query(q);
      return last!.rows;
    } finally {
      await client.end();
    }
  };
  const denied = (e: { code?: string }) => e.code === '42501';

  before(async () => {
    cfg = await testConfig('lockroles');
    const names = dbRoleNames(cfg.prefix);
    roles = { projector: { name: names.projector, password: randomBytes(12).toString('hex') }, gateway: { name: names.gateway, password: randomBytes(12).toString('hex') } };
  });
  after(async () => {
    if (!cfg) return;
    await dropPrefix(cfg);
    await dropDbRoles(cfg);
  });

  it('adopts a schema made before the lock (superuser-owned tables and views), and runs again without harm', async () => {
    const s = schemaName(cfg.prefix);
    await sql(cfg.databaseUrl, `create schema "${s}"`, `create table "${s}".pods (name text)`, `insert into "${s}".pods values ('a')`, `create view "${s}".pod_names as select name from "${s}".pods`);
    await ensureRoles(cfg.databaseUrl, s, roles);
    await ensureRoles(cfg.databaseUrl, s, roles);
    const owners = await sql(cfg.databaseUrl, `select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${s}' and c.relkind in ('r', 'v') order by 1`);
    assert.deepEqual(owners, [{ relname: 'pod_names', owner: roles.projector.name }, { relname: 'pods', owner: roles.projector.name }]);
    const gateway = urlAsRole(cfg.databaseUrl, roles.gateway);
    assert.deepEqual(await sql(gateway, `select name from "${s}".pod_names`), [{ name: 'a' }]);
    await assert.rejects(sql(gateway, `insert into "${s}".pods values ('b')`), denied);
    await sql(urlAsRole(cfg.databaseUrl, roles.projector), `insert into "${s}".pods values ('b')`);
  });

  it("what the projector's role makes later (a replay's schema) the gateway's role may read, not write", async () => {
    const built = `${schemaName(cfg.prefix)}_replay_1`;
    await sql(urlAsRole(cfg.databaseUrl, roles.projector), `create schema "${built}"`, `create table "${built}".pods (name text)`, `insert into "${built}".pods values ('c')`);
    const gateway = urlAsRole(cfg.databaseUrl, roles.gateway);
    assert.deepEqual(await sql(gateway, `select name from "${built}".pods`), [{ name: 'c' }]);
    await assert.rejects(sql(gateway, `delete from "${built}".pods`), denied);
    await assert.rejects(sql(gateway, `create schema "${schemaName(cfg.prefix)}_mine"`), denied);
  });
});
