/**
 * kubectl 1.32's built-in generators (`create namespace|configmap|secret|deployment|service`) send
 * Kubernetes protobuf bodies. Each command is run for real against the gateway, and what it
 * stored is compared field by field with what the same command's JSON (`--dry-run=client -o
 * json`, created with `create -f`) stores. `debug node/<name>` (a Pod) and `drain
 * --disable-eviction` (a DeleteOptions) send protobuf too. Malformed protobuf is 400 and writes
 * nothing. Skipped when kubectl is not installed, unless REQUIRE_KUBECTL=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { api, startStack, type Stack } from '../stack.js';
import { lastSeq } from '../harness.js';
import { buildRoot, ENVELOPE, MAGIC, MESSAGES, WRAPPERS } from '../../services/gateway/protobuf/index.js';
import { run } from './cli.js';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const skip = !hasKubectl && process.env.REQUIRE_KUBECTL !== '1' ? 'kubectl is not installed' : false;

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** What a second create of the same object legitimately changes: identity, time, allocations. */
function comparable(o: any): any {
  const c = structuredClone(o);
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'namespace', 'managedFields']) delete c.metadata[k];
  if (c.kind === 'Service') {
    delete c.spec.clusterIP;
    delete c.spec.clusterIPs;
    for (const p of c.spec.ports ?? []) delete p.nodePort;
  }
  return c;
}

/** A protobuf body of our own: the magic, then a runtime.Unknown around `obj` encoded as `kind`. */
function protobufBody(apiVersion: string, kind: string, obj: object): Buffer {
  const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);
  const T = root.lookupType(`jk.${kind}`);
  const U = root.lookupType('jk.Unknown');
  const raw = T.encode(T.fromObject(obj)).finish();
  return Buffer.concat([MAGIC, U.encode(U.fromObject({ typeMeta: { apiVersion, kind }, raw })).finish()]);
}

describe('kubectl create (protobuf bodies) against the gateway', { skip }, () => {
  let s: Stack;
  let dir: string;
  const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() };
  const kubectl = (...args: string[]) => run('kubectl', ['--server', s.url, '--request-timeout=20s', ...args], env);

  /** Run a create command verbosely; assert it succeeded and that it sent protobuf. */
  async function createWithProtobuf(...args: string[]): Promise<string> {
    const r = await kubectl(...args, '-v=8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Content-Type: ${PROTOBUF.replace(/\./g, '\\.')}`), 'kubectl sent a protobuf body');
    return r.stdout;
  }

  /** The same command's JSON, created in namespace `js` through the JSON path. */
  async function createWithJson(...args: string[]): Promise<void> {
    const dry = await kubectl(...args, '-n', 'js', '--dry-run=client', '-o', 'json');
    assert.equal(dry.code, 0, dry.stderr);
    const file = join(dir, `${args.join('_').replace(/[^a-z0-9]+/gi, '_')}.json`);
    await writeFile(file, dry.stdout);
    const r = await kubectl('create', '-n', 'js', '-f', file);
    assert.equal(r.code, 0, r.stderr);
  }

  const get = async (path: string) => {
    const r = await api(s.url, 'GET', path);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    s = await startStack('kubectlcreate');
    dir = await mkdtemp(join(tmpdir(), 'jk-kubectl-create-'));
    await writeFile(join(dir, 'app.properties'), 'mode=fast\n');
    await writeFile(join(dir, 'blob.bin'), Buffer.from([0x00, 0x01, 0xfe, 0xff]));
    // The JSON twins' namespace, itself created from the JSON of `kubectl create namespace js`.
    const dry = await kubectl('create', 'namespace', 'js', '--dry-run=client', '-o', 'json');
    assert.equal(dry.code, 0, dry.stderr);
    await writeFile(join(dir, 'ns.json'), dry.stdout);
    const r = await kubectl('create', '-f', join(dir, 'ns.json'));
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await s?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('create namespace', async () => {
    assert.match(await createWithProtobuf('create', 'namespace', 'pb'), /namespace\/pb created/);
    const ns = await get('/api/v1/namespaces/pb');
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.metadata.name, 'pb');
    assert.match(ns.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const viaJson = await get('/api/v1/namespaces/js');
    assert.deepEqual({ ...comparable(ns), metadata: { ...comparable(ns).metadata, name: 'js' } }, comparable(viaJson));
  });

  it('create configmap --from-literal --from-file (text and binary)', async () => {
    const args = ['create', 'configmap', 'settings', '--from-literal=a=b', `--from-file=${join(dir, 'app.properties')}`, `--from-file=${join(dir, 'blob.bin')}`];
    assert.match(await createWithProtobuf(...args, '-n', 'pb'), /configmap\/settings created/);
    const cm = await get('/api/v1/namespaces/pb/configmaps/settings');
    assert.deepEqual(cm.data, { a: 'b', 'app.properties': 'mode=fast\n' });
    assert.deepEqual(cm.binaryData, { 'blob.bin': Buffer.from([0x00, 0x01, 0xfe, 0xff]).toString('base64') });
    await createWithJson(...args);
    assert.deepEqual(comparable(cm), comparable(await get('/api/v1/namespaces/js/configmaps/settings')));
  });

  it('create serviceaccount', async () => {
    assert.match(await createWithProtobuf('create', 'serviceaccount', 'builder', '-n', 'pb'), /serviceaccount\/builder created/);
    const sa = await get('/api/v1/namespaces/pb/serviceaccounts/builder');
    assert.equal(sa.kind, 'ServiceAccount');
    await createWithJson('create', 'serviceaccount', 'builder');
    assert.deepEqual(comparable(sa), comparable(await get('/api/v1/namespaces/js/serviceaccounts/builder')));
  });

  it('create secret generic --from-literal --from-file', async () => {
    const args = ['create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2', `--from-file=${join(dir, 'blob.bin')}`];
    assert.match(await createWithProtobuf(...args, '-n', 'pb'), /secret\/creds created/);
    const secret = await get('/api/v1/namespaces/pb/secrets/creds');
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64'), 'blob.bin': Buffer.from([0x00, 0x01, 0xfe, 0xff]).toString('base64') });
    await createWithJson(...args);
    assert.deepEqual(comparable(secret), comparable(await get('/api/v1/namespaces/js/secrets/creds')));
  });

  it('create deployment --image --replicas --port', async () => {
    const args = ['create', 'deployment', 'web', '--image=nginx', '--replicas=2', '--port=80'];
    assert.match(await createWithProtobuf(...args, '-n', 'pb'), /deployment.apps\/web created/);
    const d = await get('/apis/apps/v1/namespaces/pb/deployments/web');
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'web' });
    const [c] = d.spec.template.spec.containers;
    assert.equal(c.name, 'nginx');
    assert.equal(c.image, 'nginx');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(d.metadata.generation, 1);
    await createWithJson(...args);
    assert.deepEqual(comparable(d), comparable(await get('/apis/apps/v1/namespaces/js/deployments/web')));
  });

  for (const type of ['clusterip', 'nodeport'] as const) {
    it(`create service ${type} --tcp=80:8080 (an IntOrString targetPort)`, async () => {
      const args = ['create', 'service', type, `s-${type}`, '--tcp=80:8080'];
      assert.match(await createWithProtobuf(...args, '-n', 'pb'), new RegExp(`service/s-${type} created`));
      const svc = await get(`/api/v1/namespaces/pb/services/s-${type}`);
      assert.equal(svc.spec.type, type === 'clusterip' ? 'ClusterIP' : 'NodePort');
      assert.deepEqual(svc.spec.selector, { app: `s-${type}` });
      const [p] = svc.spec.ports;
      assert.equal(p.name, '80-8080');
      assert.equal(p.port, 80);
      assert.equal(p.targetPort, 8080, 'targetPort is a number, not a string');
      assert.equal(p.protocol, 'TCP');
      assert.match(svc.spec.clusterIP, /^\d+\.\d+\.\d+\.\d+$/);
      if (type === 'nodeport') assert.ok(p.nodePort >= 30000 && p.nodePort <= 32767, `nodePort ${p.nodePort}`);
      else assert.equal(p.nodePort, undefined);
      await createWithJson(...args);
      assert.deepEqual(comparable(svc), comparable(await get(`/api/v1/namespaces/js/services/s-${type}`)));
    });
  }

  it('debug node/<name> (a Pod: host namespaces, a hostPath volume, a toleration)', async () => {
    const node = await api(s.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    assert.equal(node.status, 201, JSON.stringify(node.body));
    const r = await kubectl('debug', 'node/n1', '--image=busybox', '--profile=legacy', '-n', 'pb', '-v=8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const name = /Creating debugging pod (\S+) with container debugger on node n1/.exec(r.stdout + r.stderr)?.[1];
    assert.ok(name, r.stdout);
    const pod = await get(`/api/v1/namespaces/pb/pods/${name}`);
    assert.equal(pod.spec.nodeName, 'n1');
    assert.equal(pod.spec.hostNetwork, true);
    assert.equal(pod.spec.hostPID, true);
    assert.equal(pod.spec.hostIPC, true);
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.deepEqual(pod.spec.tolerations, [{ operator: 'Exists' }]);
    assert.deepEqual(pod.spec.volumes, [{ name: 'host-root', hostPath: { path: '/' } }]);
    const [c] = pod.spec.containers;
    assert.equal(c.name, 'debugger');
    assert.equal(c.image, 'busybox');
    assert.deepEqual(c.volumeMounts, [{ name: 'host-root', mountPath: '/host' }]);
  });

  it('drain --disable-eviction deletes the node\'s pods with a protobuf DeleteOptions (grace period 0: gone at once)', async () => {
    const pod = await api(s.url, 'POST', '/api/v1/namespaces/pb/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-n1' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(pod.status, 201, JSON.stringify(pod.body));
    const r = await kubectl('drain', 'n1', '--disable-eviction', '--force', '--grace-period=0', '--timeout=20s', '-v=8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /DELETE http[^\n]*\/pods\/on-n1[\s\S]*?Content-Type: application\/vnd\.kubernetes\.protobuf/);
    assert.equal((await api(s.url, 'GET', '/api/v1/namespaces/pb/pods/on-n1')).status, 404);
    assert.equal((await get('/api/v1/nodes/n1')).spec.unschedulable, true);
  });

  it('drain evicts the node\'s pods through pods/eviction (kubectl 1.32 sends the policy/v1 Eviction as JSON)', async () => {
    const node = await api(s.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
    assert.equal(node.status, 201, JSON.stringify(node.body));
    const pod = await api(s.url, 'POST', '/api/v1/namespaces/pb/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-n2' },
      spec: { nodeName: 'n2', containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(pod.status, 201, JSON.stringify(pod.body));
    const r = await kubectl('drain', 'n2', '--force', '--grace-period=0', '--timeout=20s', '-v=8');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /POST http[^\n]*\/pods\/on-n2\/eviction/);
    assert.match(r.stdout, /pod\/on-n2 evicted/);
    assert.equal((await api(s.url, 'GET', '/api/v1/namespaces/pb/pods/on-n2')).status, 404);
    // Eviction is create-only.
    assert.equal((await api(s.url, 'GET', '/api/v1/namespaces/pb/pods/on-n2/eviction')).status, 405);
  });

  it('answers malformed protobuf with 400, an invalid object with 422 and a kind without protobuf with 415, writing nothing', async () => {
    const ns = await readFile(new URL('../../../test/fixtures/protobuf/namespace.pb', import.meta.url));
    const cm = await readFile(new URL('../../../test/fixtures/protobuf/configmap.pb', import.meta.url));
    const before = await lastSeq(s.cfg);
    const cases: [name: string, path: string, body: Uint8Array, code: number, reason: string][] = [
      ['bad magic', '/api/v1/namespaces', Buffer.concat([Buffer.from('k9s\0'), ns.subarray(4)]), 400, 'BadRequest'],
      ['truncated', '/api/v1/namespaces', ns.subarray(0, ns.length - 10), 400, 'BadRequest'],
      ['trailing garbage', '/api/v1/namespaces/pb/configmaps', Buffer.concat([cm, Buffer.from([0xde, 0xad, 0xbe, 0xef])]), 400, 'BadRequest'],
      ['a Namespace posted as a ConfigMap', '/api/v1/namespaces/pb/configmaps', ns, 400, 'BadRequest'],
      ['no envelope at all', '/api/v1/namespaces/pb/configmaps', Buffer.from('{"kind":"ConfigMap"}'), 400, 'BadRequest'],
      // A Node (no protobuf definition here): the magic and a runtime.Unknown naming Node in v1.
      // Well-formed, but an invalid object: the usual validation answers.
      ['a ConfigMap with an invalid name', '/api/v1/namespaces/pb/configmaps', protobufBody('v1', 'ConfigMap', { metadata: { name: 'Not_Valid' } }), 422, 'Invalid'],
      ['a Node', '/api/v1/nodes', Buffer.concat([MAGIC, Buffer.from([0x0a, 0x0a, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x04, 0x4e, 0x6f, 0x64, 0x65])]), 415, 'UnsupportedMediaType'],
    ];
    for (const [name, path, body, code, reason] of cases) {
      const r = await api(s.url, 'POST', path, body, PROTOBUF);
      assert.equal(r.status, code, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.kind, 'Status', name);
      assert.equal(r.body.reason, reason, name);
      if (name === 'a Node') assert.match(r.body.message, /protobuf is not supported for Node/);
    }
    assert.equal(await lastSeq(s.cfg), before, 'nothing was written');
  });
});
