/**
 * NodeRestriction and one identity per kubelet, at a secure gateway (HTTPS, client certificates,
 * RBAC) over real NATS and Postgres: a pool of two fake kubelets in one process, each with its own
 * client certificate (system:node:<name>), registers and heartbeats as itself (the events' authors
 * say so); node n1's credential cannot touch node n2, its lease or its pods (403 with Kubernetes'
 * messages) but can change its own, and reads only the Secrets its pods use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../shared/log.js';
import { startGateway, type RunningGateway } from '../../services/gateway/index.js';
import { startProjector } from '../../services/projector/index.js';
import { startKubelets, type RunningKubelets } from '../../services/kubelet/index.js';
import { kubeletConfigFromEnv } from '../../services/kubelet/config.js';
import { dropPrefix, testConfig } from '../harness.js';
import { ensureClusterCA, issueCertificate } from '../../shared/pki/index.js';
import { authConfigFromEnv } from '../../shared/auth/authn/index.js';
import { GatewayClient } from '../../shared/client/index.js';
import type { Config, GatewayCredentials } from '../../shared/config.js';
import type { Pod } from '../../shared/resources/types.js';
import { eventually } from '../wait.js';

describe('NodeRestriction and per-node identities (secure mode)', () => {
  let dir: string;
  let cfg: Config;
  let gw: RunningGateway;
  let projector: { close(): Promise<void> } | undefined;
  let kubelets: RunningKubelets | undefined;
  let ca: { certPem: string; keyPem: string };
  const clients: GatewayClient[] = [];
  let admin: GatewayClient;
  let n1: GatewayClient;
  const [node1, node2] = ['nr-n1', 'nr-n2'];

  const credentials = async (cn: string, orgs: string[]): Promise<GatewayCredentials> => {
    const c = await issueCertificate(ca, { commonName: cn, organizations: orgs, usage: 'client' });
    return { caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem };
  };
  const client = async (cn: string, orgs: string[]) => {
    const c = new GatewayClient({ url: gw.url, credentials: await credentials(cn, orgs) });
    clients.push(c);
    return c;
  };
  const pod = (name: string, nodeName: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] } }) as Pod;
  const refused = async (p: Promise<unknown>, message: string) =>
    assert.rejects(p, (e: { code?: number; message?: string }) => {
      assert.equal(e.code, 403);
      assert.equal(e.message, message);
      return true;
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkube-noderestriction-int-'));
    process.env.JETKUBE_DATA_DIR = dir;
    const made = await ensureClusterCA(dir);
    ca = { certPem: made.certPem, keyPem: made.keyPem! };
    cfg = await testConfig('noderestr');
    const silent = createLogger('test', process.env.LOG_LEVEL || 'silent');
    projector = await startProjector(cfg, silent);
    gw = await startGateway(cfg, silent, { auth: authConfigFromEnv({ JETKUBE_AUTH: 'on' }), authorizationMode: 'RBAC', serviceAccountAdmission: false });
    admin = await client('kubernetes-admin', ['system:masters']);
    n1 = await client(`system:node:${node1}`, ['system:nodes']);
    // One process, two nodes, each with its own certificate; the process' shared client is n1's.
    const base = { ...process.env, KUBELET_PORT: '0', KUBELET_RELIST_MS: '200', KUBELET_ROOT_DIR: dir, NODE_IP: '127.0.0.1' };
    const nodes = await Promise.all([node1, node2].map(async (n) => ({ ...kubeletConfigFromEnv(base, { runtime: 'fake', nodeName: n }), credentials: await credentials(`system:node:${n}`, ['system:nodes']) })));
    kubelets = await startKubelets({ ...cfg, gatewayUrl: gw.url, secure: true, gatewayCredentials: nodes[0]!.credentials }, nodes, silent);
  });
  after(async () => {
    await kubelets?.close().catch(() => undefined);
    await Promise.allSettled(clients.map((c) => c.close()));
    await gw?.close().catch(() => undefined);
    await projector?.close().catch(() => undefined);
    delete process.env.JETKUBE_DATA_DIR;
    if (cfg) await dropPrefix(cfg);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each node of the pool registers and heartbeats as itself', async () => {
    const db = new pg.Client({ connectionString: cfg.databaseUrl });
    await db.connect();
    try {
      for (const n of [node1, node2]) {
        const authors = await eventually(`${n}'s writes projected`, async () => {
          const r = await db.query<{ user_name: string }>(`select distinct user_name from "${cfg.prefix}".events where name = $1 and kind in ('Node', 'Lease')`, [n]);
          return r.rows.length >= 1 && r.rows.map((x) => x.user_name);
        });
        assert.deepEqual(authors, [`system:node:${n}`]);
      }
    } finally {
      await db.end();
    }
  });

  it("node n1 cannot modify node n2 nor its lease, but can its own", async () => {
    await eventually('both nodes registered', async () => (await admin.nodes.list()).items.length === 2);
    await refused(n1.nodes.patch(undefined, node2, { metadata: { labels: { a: 'b' } } }), `nodes "${node2}" is forbidden: node "${node1}" is not allowed to modify node "${node2}"`);
    await refused(n1.nodes.delete(undefined, node2), `nodes "${node2}" is forbidden: node "${node1}" is not allowed to modify node "${node2}"`);
    await refused(
      n1.leases.patch('kube-node-lease', node2, { spec: { holderIdentity: node1 } }),
      `leases.coordination.k8s.io "${node2}" is forbidden: can only access node lease with the same name as the requesting node`,
    );
    const own = await n1.nodes.patch(undefined, node1, { metadata: { labels: { team: 'a' } } });
    assert.equal(own.metadata.labels?.team, 'a');
    await refused(
      n1.nodes.patch(undefined, node1, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }),
      `nodes "${node1}" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane`,
    );
  });

  it('node n1 reads only the Secrets its pods use (the Node authorizer)', async () => {
    const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: 'v' } }) as never;
    await admin.secrets.create('default', secret('for-n1'));
    await admin.secrets.create('default', secret('for-n2'));
    const reader = (name: string, nodeName: string, secretName: string): Pod =>
      ({ ...pod(name, nodeName), spec: { ...pod(name, nodeName).spec, volumes: [{ name: 's', secret: { secretName } }] } }) as Pod;
    await admin.pods.create('default', reader('reads-1', node1, 'for-n1'));
    await admin.pods.create('default', reader('reads-2', node2, 'for-n2'));
    assert.equal((await n1.secrets.get('default', 'for-n1')).metadata.name, 'for-n1');
    await refused(
      n1.secrets.get('default', 'for-n2'),
      `secrets "for-n2" is forbidden: User "system:node:${node1}" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '${node1}' and this object`,
    );
    await refused(n1.secrets.list('default'), `secrets is forbidden: User "system:node:${node1}" cannot list resource "secrets" in API group "" in the namespace "default": No Object name found`);
  });

  it("node n1 cannot touch pods on n2, nor create pods, nor get tokens for n2's pods, but writes its own pods' status", async () => {
    await admin.pods.create('default', pod('on-n1', node1));
    await admin.pods.create('default', pod('on-n2', node2));
    // The kubelets (each as itself) start their pods: status writes NodeRestriction lets through.
    for (const name of ['on-n1', 'on-n2']) await eventually(`${name} running`, async () => (await admin.pods.get('default', name)).status?.phase === 'Running');
    const other = await admin.pods.get('default', 'on-n2');
    await refused(n1.pods.updateStatus(other), `pods "on-n2" is forbidden: node "${node1}" can only update pod status for pods with spec.nodeName set to itself`);
    await refused(n1.pods.delete('default', 'on-n2'), `pods "on-n2" is forbidden: node "${node1}" can only delete pods with spec.nodeName set to itself`);
    await refused(
      n1.pods.create('default', pod('sneaky', node1)),
      `pods "sneaky" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "${node1}" can only create mirror pods`,
    );
    const token = (podName?: string, uid?: string) =>
      n1.request('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: podName ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: podName, uid } } : {} });
    await refused(token(), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
    await refused(token('on-n2', other.metadata.uid), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
    const mine = await admin.pods.get('default', 'on-n1');
    await refused(token('on-n1'), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
    const updated = await n1.pods.updateStatus({ ...mine, status: { ...mine.status, message: 'seen by n1' } });
    assert.equal(updated.status?.message, 'seen by n1');
    await n1.pods.delete('default', 'on-n1', { gracePeriodSeconds: 0 });
  });
});
