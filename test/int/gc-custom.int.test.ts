/**
 * The garbage collector with kinds defined at run time (CustomResourceDefinitions), against a real
 * gateway, NATS and Postgres. The controller-manager (garbage collector only) runs in a child
 * process: its registry knows the custom kind only from the CRDs on the stream, as a separate
 * kube-controller-manager learns it from discovery.
 *
 * A custom resource as owner (a Deployment and a ConfigMap its dependents) deleted with Background,
 * Foreground and Orphan propagation; a custom resource as dependent of a ConfigMap, deleted with the
 * same three (the Orphan case removes its reference with a merge patch: a custom resource takes no
 * strategic merge patch); and a CRD deleted with objects that own a Deployment.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/log.js';
import { startControllerManager } from '../../services/controller-manager/manager.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const CHILD_FLAG = 'JETKUBE_GC_CUSTOM_CHILD';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRD = parse(readFileSync(`${ROOT}examples/operator/webapp-crd.yaml`, 'utf8'));
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WA = (ns: string) => `/apis/demo.jetkube.dev/v1/namespaces/${ns}/webapps`;
const DEPLOY = (ns: string) => `/apis/apps/v1/namespaces/${ns}/deployments`;
const CM = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;

if (process.env[CHILD_FLAG] === '1') {
  const cfg = loadConfig(process.env);
  const cm = await startControllerManager(cfg, createLogger('controller-manager', cfg.logLevel), { controllers: ['garbagecollector'], leaderElection: { enabled: false } });
  await cm.ctx.informers.waitForSync();
  process.send?.('ready');
} else {
  suite();
}

interface Ref { apiVersion: string; kind: string; name: string; uid: string; blockOwnerDeletion?: boolean; controller?: boolean }
const refTo = (o: any): Ref => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true });
const webapp = (name: string, owners: Ref[] = []) => ({
  apiVersion: 'demo.jetkube.dev/v1',
  kind: 'WebApp',
  metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}) },
  spec: { image: 'busybox:1.36' },
});
const deployment = (name: string, owners: Ref[]) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, ownerReferences: owners },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } },
  },
});
const configMap = (name: string, owners: Ref[] = []) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(owners.length ? { ownerReferences: owners } : {}) } });

function suite(): void {
  describe('garbage collection of custom resources', () => {
    let s: Stack;
    let child: ChildProcess | undefined;
    const call = (method: string, path: string, body?: unknown, ct?: string) => api(s.url, method, path, body, ct);
    async function create(path: string, obj: unknown): Promise<any> {
      const r = await call('POST', path, obj);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      return r.body;
    }
    const del = (path: string, propagationPolicy?: string) => call('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', ...(propagationPolicy ? { propagationPolicy } : {}) });
    const gone = (path: string) => eventually(`${path} to go`, async () => (await call('GET', path)).status === 404, 30_000, 50);
    async function ns(name: string): Promise<void> {
      const r = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      assert.equal(r.status, 201);
    }

    before(async () => {
      s = await startStack('gccr');
      const r = await call('POST', CRDS, CRD);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      await eventually('WebApp served', async () => (await call('GET', WA('default'))).status === 200);
      child = fork(fileURLToPath(import.meta.url), [], {
        env: { ...process.env, [CHILD_FLAG]: '1', NATS_URL: s.cfg.natsUrl, DATABASE_URL: s.cfg.databaseUrl, JETKUBE_PREFIX: s.cfg.prefix, GATEWAY_URL: s.url, LOG_LEVEL: process.env.LOG_LEVEL || 'warn' },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await new Promise<void>((resolve, reject) => {
        child!.once('message', () => resolve());
        child!.once('exit', (code) => reject(new Error(`controller-manager exited with ${code}`)));
      });
    });
    after(async () => {
      if (child && child.exitCode === null) {
        const done = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      await s?.close();
    });

    it('Background: deleting a custom resource collects the Deployment and ConfigMap it owns', async () => {
      await ns('bg');
      const owner = await create(WA('bg'), webapp('web'));
      await create(DEPLOY('bg'), deployment('web', [refTo(owner)]));
      await create(CM('bg'), configMap('web-config', [refTo(owner)]));
      const bystander = await create(CM('bg'), configMap('bystander'));
      assert.equal((await del(`${WA('bg')}/web`)).status, 200);
      await gone(`${DEPLOY('bg')}/web`);
      await gone(`${CM('bg')}/web-config`);
      const still = await call('GET', `${CM('bg')}/bystander`);
      assert.equal(still.body.metadata.uid, bystander.metadata.uid);
    });

    it('Foreground: the custom resource waits with its finalizer until its Deployment is gone', async () => {
      await ns('fg');
      const owner = await create(WA('fg'), webapp('web'));
      await create(DEPLOY('fg'), deployment('web', [refTo(owner)]));
      const r = await del(`${WA('fg')}/web`, 'Foreground');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.metadata.deletionTimestamp, 'the owner stays, marked for deletion');
      assert.deepEqual(r.body.metadata.finalizers, ['foregroundDeletion']);
      await gone(`${DEPLOY('fg')}/web`);
      await gone(`${WA('fg')}/web`);
    });

    it('Orphan: the Deployment stays without its reference to the custom resource', async () => {
      await ns('orphan');
      const owner = await create(WA('orphan'), webapp('web'));
      const d = await create(DEPLOY('orphan'), deployment('web', [refTo(owner)]));
      assert.equal((await del(`${WA('orphan')}/web`, 'Orphan')).status, 200);
      await gone(`${WA('orphan')}/web`);
      const left = await eventually('the Deployment released', async () => {
        const g = await call('GET', `${DEPLOY('orphan')}/web`);
        return g.status === 200 && !g.body.metadata.ownerReferences ? g.body : undefined;
      });
      assert.equal(left.metadata.uid, d.metadata.uid);
    });

    it('custom resources owned by a ConfigMap: Background and Foreground delete them, Orphan releases them', async () => {
      await ns('dep');
      for (const policy of ['Background', 'Foreground'] as const) {
        const owner = await create(CM('dep'), configMap(`owner-${policy.toLowerCase()}`));
        await create(WA('dep'), webapp(`child-${policy.toLowerCase()}`, [refTo(owner)]));
        assert.equal((await del(`${CM('dep')}/${owner.metadata.name}`, policy)).status, 200);
        await gone(`${WA('dep')}/child-${policy.toLowerCase()}`);
        await gone(`${CM('dep')}/${owner.metadata.name}`);
      }
      const owner = await create(CM('dep'), configMap('owner-orphan'));
      const other = await create(CM('dep'), configMap('other-owner'));
      const otherRef = { ...refTo(other), controller: false };
      const wa = await create(WA('dep'), webapp('child-orphan', [refTo(owner), otherRef]));
      assert.equal((await del(`${CM('dep')}/owner-orphan`, 'Orphan')).status, 200);
      await gone(`${CM('dep')}/owner-orphan`);
      const left = await eventually('the WebApp released', async () => {
        const g = await call('GET', `${WA('dep')}/child-orphan`);
        return g.status === 200 && g.body.metadata.ownerReferences?.length === 1 ? g.body : undefined;
      });
      assert.equal(left.metadata.uid, wa.metadata.uid);
      assert.deepEqual(left.metadata.ownerReferences, [otherRef]);
    });

    it('a CRD deleted with its objects: the Deployments those objects owned are collected', async () => {
      await ns('crdgone');
      const owner = await create(WA('crdgone'), webapp('web'));
      await create(DEPLOY('crdgone'), deployment('web', [refTo(owner)]));
      assert.equal((await del(`${CRDS}/webapps.demo.jetkube.dev`)).status, 200);
      await gone(`${CRDS}/webapps.demo.jetkube.dev`);
      await gone(`${DEPLOY('crdgone')}/web`);
    });
  });
}
