/**
 * The author of every change, end to end below the CLI (real NATS and Postgres, a secure gateway):
 * a create by a token user and an update by an impersonated user carry their authors in the
 * message headers; the projector copies them into the events mirror; the gateway's own writes are
 * system:apiserver's; the Audit-Id response header is the request id on the event; the history
 * API's revisions carry the author; a replay from sequence 1 rebuilds the same columns.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { replay, startProjector } from '../../services/projector/index.js';
import { dropPrefix, querySchema, testConfig } from '../harness.js';
import { eventually } from '../wait.js';
import { ensureClusterCA, issueCertificate } from '../../shared/pki/index.js';
import { authConfigFromEnv } from '../../shared/auth/authn/index.js';
import { EventLog, allocSubject, authorOf } from '../../shared/eventlog/index.js';
import type { Config } from '../../shared/config.js';

const CMS = '/api/v1/namespaces/default/configmaps';
const UA = 'kubectl/v1.32.0 (linux/amd64) kubernetes/test';
const AUTHOR_COLUMNS = 'sequence, kind, name, user_name, user_groups, user_uid, impersonated_user, impersonated_groups, field_manager, user_agent, request_id';

describe('event authors (secure gateway)', () => {
  let dir: string;
  let cfg: Config;
  let gw: RunningGateway;
  let projector: { close(): Promise<void> } | undefined;
  let ca: { certPem: string; keyPem: string };
  let admin: { cert: string; key: string };
  const agents: Agent[] = [];

  const call = async (method: string, path: string, opts: { token?: string; client?: { cert: string; key: string }; headers?: Record<string, string>; body?: unknown; type?: string } = {}) => {
    const agent = new Agent({ connect: { ca: ca.certPem, ...(opts.client ? { cert: opts.client.cert, key: opts.client.key } : {}) } });
    agents.push(agent);
    const res = await request(gw.url + path, {
      method: method as 'GET',
      dispatcher: agent,
      headers: {
        accept: 'application/json',
        'user-agent': UA,
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: JSON.parse(text), auditId: res.headers['audit-id'] as string | undefined };
  };

  const query = <T extends pg.QueryResultRow>(text: string): Promise<T[]> => querySchema<T>(cfg, text);

  const rowAt = (seq: number) => eventually(`events row ${seq}`, async () => (await query(`select ${AUTHOR_COLUMNS} from events where sequence = ${seq}`))[0]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-authors-int-'));
    process.env.JETKUBE_DATA_DIR = dir;
    const made = await ensureClusterCA(dir);
    ca = { certPem: made.certPem, keyPem: made.keyPem! };
    const c = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });
    admin = { cert: c.certPem, key: c.keyPem };
    const tokenFile = join(dir, 'tokens.csv');
    await writeFile(tokenFile, 'token-alice,alice,u-1,"dev,ops"\n');
    cfg = await testConfig('authors');
    const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
    projector = await startProjector(cfg, silent);
    gw = await startGateway(cfg, silent, { auth: authConfigFromEnv({ JETKUBE_AUTH: 'on', TOKEN_AUTH_FILE: tokenFile }), authorizationMode: 'AlwaysAllow' });
  });
  after(async () => {
    await gw?.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
    if (cfg) await dropPrefix(cfg);
    delete process.env.JETKUBE_DATA_DIR;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let created = 0;
  let updated = 0;
  let createId = '';

  it('a create by a token user: its author in the headers and the events row, the Audit-Id its request id', async () => {
    const r = await call('POST', CMS, { token: 'token-alice', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm1' }, data: { v: '1' } } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.ok(r.auditId, 'Audit-Id response header');
    createId = r.auditId!;
    created = Number(r.body.metadata.resourceVersion);

    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 10, recentWriteBytes: 0 });
    try {
      const m = await el.getRawBySeq(created);
      assert.deepEqual(authorOf(m?.header), {
        user: 'alice',
        groups: ['dev', 'ops', 'system:authenticated'],
        uid: 'u-1',
        fieldManager: 'kubectl',
        userAgent: UA,
        requestId: createId,
      });
    } finally {
      await el.close();
    }
    assert.deepEqual(await rowAt(created), {
      sequence: String(created),
      kind: 'ConfigMap',
      name: 'cm1',
      user_name: 'alice',
      user_groups: ['dev', 'ops', 'system:authenticated'],
      user_uid: 'u-1',
      impersonated_user: null,
      impersonated_groups: null,
      field_manager: 'kubectl',
      user_agent: UA,
      request_id: createId,
    });
  });

  it('an update by an impersonated user: the requester and the impersonated user, the fieldManager asked for, the Audit-ID the client sent', async () => {
    const r = await call('PATCH', `${CMS}/cm1?fieldManager=kubectl-edit`, {
      client: admin,
      headers: { 'impersonate-user': 'bob', 'impersonate-group': 'qa', 'audit-id': 'edit-by-bob-1' },
      body: { data: { v: '2' } },
      type: 'application/merge-patch+json',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.auditId, 'edit-by-bob-1');
    updated = Number(r.body.metadata.resourceVersion);
    const row = await rowAt(updated);
    assert.equal(row.user_name, 'admin');
    assert.deepEqual(row.user_groups, ['system:masters', 'system:authenticated']);
    assert.equal(row.impersonated_user, 'bob');
    assert.ok(row.impersonated_groups.includes('qa'), JSON.stringify(row.impersonated_groups));
    assert.equal(row.field_manager, 'kubectl-edit');
    assert.equal(row.request_id, 'edit-by-bob-1');
  });

  it("a delete is authored too, and the gateway's own writes are system:apiserver's", async () => {
    const r = await call('DELETE', `${CMS}/cm1`, { token: 'token-alice' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const gone = await eventually('the tombstone mirrored', async () => (await query(`select ${AUTHOR_COLUMNS}, type from events where name = 'cm1' and type = 'DELETED'`))[0]);
    assert.equal(gone.user_name, 'alice');
    const own = await eventually('a system namespace mirrored', async () => (await query(`select ${AUTHOR_COLUMNS} from events where kind = 'Namespace' and name = 'kube-system'`))[0]);
    assert.equal(own.user_name, 'system:apiserver');
    assert.deepEqual(own.user_groups, ['system:masters']);
    assert.equal(own.request_id, null);
  });

  it("a reservation (a Service's cluster IP) carries its author too", async () => {
    const r = await call('POST', '/api/v1/namespaces/default/services', { token: 'token-alice', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const ip = r.body.spec.clusterIP as string;
    const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 10, recentWriteBytes: 0 });
    try {
      const m = await el.getLastRaw(allocSubject(cfg.prefix, 'clusterips', ip));
      assert.ok(m, 'the cluster IP reservation');
      assert.equal(authorOf(m.header)?.user, 'alice');
    } finally {
      await el.close();
    }
  });

  it('every answer has an Audit-Id, a 401 too', async () => {
    const r = await call('GET', CMS);
    assert.equal(r.status, 401);
    assert.match(r.auditId ?? '', /^[0-9a-f-]{36}$/);
  });

  it("the history API's revisions carry the author", async () => {
    const r = await call('GET', '/apis/history.jetkube.io/v1/namespaces/default/revisions?kind=cm&name=cm1', { token: 'token-alice' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const bySeq = new Map<number, { author?: { user?: string; impersonatedUser?: string } }>(r.body.items.map((i: { sequence: number }) => [i.sequence, i]));
    assert.equal(bySeq.get(created)?.author?.user, 'alice');
    assert.equal(bySeq.get(updated)?.author?.user, 'admin');
    assert.equal(bySeq.get(updated)?.author?.impersonatedUser, 'bob');
    // Without bodies (as for a revision the log no longer holds), the author comes from the mirror.
    const lean = await call('GET', '/apis/history.jetkube.io/v1/namespaces/default/revisions?kind=cm&name=cm1&objects=false', { token: 'token-alice' });
    assert.equal(lean.status, 200, JSON.stringify(lean.body));
    const first = lean.body.items.find((i: { sequence: number }) => i.sequence === created);
    assert.equal(first.object, undefined);
    assert.deepEqual(first.author, { user: 'alice', groups: ['dev', 'ops', 'system:authenticated'], uid: 'u-1', fieldManager: 'kubectl', userAgent: UA, requestId: createId });
  });

  it('a replay from sequence 1 rebuilds the same author columns', async () => {
    const all = `select ${AUTHOR_COLUMNS} from events order by sequence`;
    const before = await query(all);
    assert.ok(before.length >= 3);
    await replay(cfg, { log: createLogger('test', 'silent') });
    assert.deepEqual(await query(all), before);
  });
});
