/**
 * Secrets encrypted at rest, over real NATS and Postgres: a gateway and a process-runtime kubelet
 * with an EncryptionConfiguration (aesgcm first, then identity). The stream message and the
 * Postgres row hold ciphertext only (the `k8s:enc:aesgcm:v1:key1:` prefix, never the value or its
 * base64); get, list (JSON, Table, exact), watch and the history API answer plaintext;
 * a pod reads the Secret as env and as a volume (its kubelet holds no key: it reads the Secret
 * through the gateway, services/kubelet/pod-config.ts); a gateway with a wrong key answers 500; the
 * README's key rotation (new key first, rewrite, old key out) keeps the Secret readable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { startProjector } from '../../services/projector/index.js';
import { startKubelets, type RunningKubelets } from '../../services/kubelet/index.js';
import { kubeletConfigFromEnv } from '../../services/kubelet/config.js';
import { EventLog } from '../../shared/eventlog/index.js';
import { ensureEncryptionConfig, loadEncryption, newEncryptionConfigYaml, parseEncryptionConfig } from '../../shared/encryption/index.js';
import { dropPrefix, testConfig } from '../harness.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import type { Config } from '../../shared/config.js';

const NS = '/api/v1/namespaces/default';
const VALUE = 'hunter2-at-rest';
const VALUE_B64 = Buffer.from(VALUE).toString('base64');
const PREFIX = 'k8s:enc:aesgcm:v1:key1:';

describe('Secrets encrypted at rest', () => {
  let dir: string;
  let cfg: Config;
  let gw: RunningGateway;
  let projector: { close(): Promise<void> } | undefined;
  let kubelets: RunningKubelets | undefined;
  let raw: EventLog | undefined;
  let base: string;
  let created: { metadata: { resourceVersion: string } };
  const node = 'enc-node';
  const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-secrets-int-'));
    const file = await ensureEncryptionConfig(dir);
    cfg = await testConfig('secenc', { encryptionProviderConfig: file });
    projector = await startProjector(cfg, silent);
    gw = await startGateway(cfg, silent, { serviceAccountAdmission: false });
    base = gw.url;
    const k = kubeletConfigFromEnv({ ...process.env, KUBELET_PORT: '0', KUBELET_RELIST_MS: '200', KUBELET_ROOT_DIR: join(dir, 'root'), NODE_IP: '127.0.0.1' }, { runtime: 'process', nodeName: node });
    kubelets = await startKubelets({ ...cfg, gatewayUrl: gw.url }, [k], silent);
    // A reader of the stream without the key: what is stored, as it is.
    raw = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
    const r = await api(base, 'POST', `${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', labels: { app: 'db' } }, stringData: { password: VALUE } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    created = r.body;
  });
  after(async () => {
    await kubelets?.close().catch(() => undefined);
    await raw?.close().catch(() => undefined);
    await gw?.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const noPlaintext = (text: string, where: string) => {
    assert.ok(!text.includes(VALUE) && !text.includes(VALUE_B64), `${where} holds the secret in clear: ${text}`);
    assert.ok(text.includes(PREFIX), `${where} holds no aesgcm ciphertext: ${text}`);
  };

  it('the stream message and the Postgres row hold ciphertext only; labels and type stay queryable', async () => {
    const m = await raw!.getLastRaw(raw!.subjectFor('secrets', 'default', 'db'));
    noPlaintext(Buffer.from(m!.data).toString('utf8'), 'the stream message');
    const db = new pg.Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    try {
      const row = await eventually('the Secret projected', async () => (await db.query<{ object: string; type: string }>(`select object::text as object, type from "${cfg.prefix}".secrets where name = 'db'`)).rows[0]);
      noPlaintext(row.object, 'the Postgres row');
      assert.equal(row.type, 'Opaque');
    } finally {
      await db.end();
    }
    // The raw reader (no key) cannot decode it: a poison message to a process without the key.
    await assert.rejects(raw!.getLast(raw!.subjectFor('secrets', 'default', 'db')), /cannot decrypt: the secret is encrypted at rest and no ENCRYPTION_PROVIDER_CONFIG is configured/);
  });

  it('a decoded Secret is not kept for the next watch (decodeShared): other kinds are', async () => {
    const keyed = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject, encryption: (await loadEncryption(cfg.encryptionProviderConfig))! });
    try {
      assert.equal((await api(base, 'POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared-decode' }, data: { a: '1' } })).status, 201);
      for (const [plural, name, kept] of [['secrets', 'db', false], ['configmaps', 'shared-decode', true]] as const) {
        const m = (await keyed.getLastRaw(keyed.subjectFor(plural, 'default', name)))!;
        const msg = { seq: m.seq, subject: m.subject, time: m.time, data: m.data };
        assert.equal(keyed.decodeShared(msg) === keyed.decodeShared(msg), kept, plural);
      }
    } finally {
      await keyed.close();
    }
  });

  it('get, list, Table, exact list and selectors answer plaintext', async () => {
    const get = await api(base, 'GET', `${NS}/secrets/db`);
    assert.equal(get.body.data.password, VALUE_B64);
    assert.equal(get.body.encryptedData, undefined);
    const list = await api(base, 'GET', `${NS}/secrets?labelSelector=app%3Ddb&fieldSelector=type%3DOpaque`);
    assert.deepEqual(list.body.items.map((s: { data: Record<string, string> }) => s.data.password), [VALUE_B64]);
    const all = await api(base, 'GET', '/api/v1/secrets');
    assert.ok(all.body.items.some((s: { metadata: { name: string }; data?: Record<string, string> }) => s.metadata.name === 'db' && s.data?.password === VALUE_B64));
    const table = await fetch(`${base}${NS}/secrets`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }).then((r) => r.json() as Promise<{ rows: { cells: unknown[] }[] }>);
    assert.deepEqual(table.rows.map((r) => r.cells.slice(0, 3)), [['db', 'Opaque', 1]]);
    const exact = await api(base, 'GET', `${NS}/secrets?resourceVersionMatch=Exact&resourceVersion=${created.metadata.resourceVersion}`);
    assert.equal(exact.status, 200, JSON.stringify(exact.body));
    assert.equal(exact.body.items[0].data.password, VALUE_B64);
  });

  it('watch and the history API answer plaintext', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${base}${NS}/secrets?watch=1&resourceVersion=${created.metadata.resourceVersion}&timeoutSeconds=20`, { signal: ctl.signal });
    const patched = await api(base, 'PATCH', `${NS}/secrets/db`, { stringData: { extra: 'more-secret' } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const reader = res.body!.getReader();
    let text = '';
    const ev = await eventually('the MODIFIED event', async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? []).toString('utf8');
      const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; object: { data: Record<string, string> } });
      return lines.find((l) => l.type === 'MODIFIED');
    });
    ctl.abort();
    assert.equal(ev.object.data.password, VALUE_B64);
    assert.equal(ev.object.data.extra, Buffer.from('more-secret').toString('base64'));
    const revs = await eventually('both revisions indexed', async () => {
      const r = await api(base, 'GET', '/apis/history.jetkube.io/v1/namespaces/default/revisions?kind=secret&name=db');
      return r.status === 200 && r.body.items.length === 2 && r.body.items;
    });
    for (const r of revs as { object: { data: Record<string, string> } }[]) assert.equal(r.object.data.password, VALUE_B64);
  });

  it('a pod reads the Secret as an environment variable and as a volume', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: {
        nodeName: node,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 1,
        containers: [{
          name: 'c',
          image: 'busybox',
          command: ['sh', '-c', 'echo "env=$PASSWORD"; echo "file=$(cat etc/secret/password)"'],
          env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          volumeMounts: [{ name: 's', mountPath: '/etc/secret', readOnly: true }],
        }],
        volumes: [{ name: 's', secret: { secretName: 'db' } }],
      },
    };
    const r = await api(base, 'POST', `${NS}/pods`, pod);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await eventually('the pod succeeded', async () => (await api(base, 'GET', `${NS}/pods/reader`)).body.status?.phase === 'Succeeded', 60_000);
    const logs = await api(base, 'GET', `${NS}/pods/reader/log`);
    assert.equal(String(logs.body), `env=${VALUE}\nfile=${VALUE}\n`);
  });

  it('a gateway with another key answers 500; rotation: a new key first, rewrite, drop the old one', async () => {
    const other = join(dir, 'other.yaml');
    const newKey = Buffer.alloc(32, 7);
    await writeFile(other, newEncryptionConfigYaml(newKey));
    const wrong = await startGateway({ ...cfg, encryptionProviderConfig: other }, silent, { serviceAccountAdmission: false });
    try {
      const get = await api(wrong.url, 'GET', `${NS}/secrets/db`);
      assert.equal(get.status, 500, JSON.stringify(get.body));
      const list = await api(wrong.url, 'GET', `${NS}/secrets`);
      assert.equal(list.status, 500, JSON.stringify(list.body));
      assert.match(list.body.message, /unable to transform key "\/secrets\/default\/db": failed to decrypt with key "key1"/);
    } finally {
      await wrong.close();
    }
    // The README's rotation: key2 added first (key1 still read), every Secret rewritten, key1 removed.
    const first = parseEncryptionConfig(await readFile(cfg.encryptionProviderConfig!, 'utf8')).providers[0]!;
    assert.equal(first.type, 'aesgcm');
    const oldKey = first.type === 'aesgcm' ? first.keys[0]!.secret : Buffer.alloc(0);
    const rotating = join(dir, 'rotating.yaml');
    await writeFile(rotating, [
      'apiVersion: apiserver.config.k8s.io/v1',
      'kind: EncryptionConfiguration',
      'resources:',
      '  - resources: [secrets]',
      '    providers:',
      `      - aesgcm: {keys: [{name: key2, secret: ${newKey.toString('base64')}}, {name: key1, secret: ${oldKey.toString('base64')}}]}`,
      '      - identity: {}',
      '',
    ].join('\n'));
    const both = await startGateway({ ...cfg, encryptionProviderConfig: rotating }, silent, { serviceAccountAdmission: false });
    try {
      const cur = await api(both.url, 'GET', `${NS}/secrets/db`);
      assert.equal(cur.body.data?.password, VALUE_B64, JSON.stringify(cur.body));
      const put = await api(both.url, 'PUT', `${NS}/secrets/db`, cur.body);
      assert.equal(put.status, 200, JSON.stringify(put.body));
    } finally {
      await both.close();
    }
    const m = await raw!.getLastRaw(raw!.subjectFor('secrets', 'default', 'db'));
    assert.ok(Buffer.from(m!.data).toString('utf8').includes('k8s:enc:aesgcm:v1:key2:'), 'rewritten with key2');
    const final = join(dir, 'final.yaml');
    await writeFile(final, (await readFile(rotating, 'utf8')).replace(/, \{name: key1, secret: [^}]*\}/, ''));
    assert.doesNotMatch(await readFile(final, 'utf8'), /key1/);
    const onlyNew = await startGateway({ ...cfg, encryptionProviderConfig: final }, silent, { serviceAccountAdmission: false });
    try {
      const got = await api(onlyNew.url, 'GET', `${NS}/secrets/db`);
      assert.equal(got.body.data?.password, VALUE_B64, JSON.stringify(got.body));
    } finally {
      await onlyNew.close();
    }
  });
});
