/**
 * The web console (/ui) in headless Chromium against `jetkube up --nodes 2 --runtime fake`: the
 * nodes, a Deployment's pods appearing live, a scale, the time slider back before it, a comparison
 * of the two moments; then a pod's logs on a one-node process cluster (the fake runtime has none).
 * Screenshots go to test-output/console/. Skipped without /usr/bin/chromium unless REQUIRE_CHROMIUM=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { envFor, JETKUBE, stop } from './cli.js';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type HeadlessBrowser } from '../browser.js';
import { eventually } from '../wait.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';

const SHOTS = 'test-output/console';
const missing = chromiumMissing();
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

/** A request as kubectl makes it: JSON in, JSON out, a non-2xx is an error with the Status message. */
async function api<T = { metadata: { resourceVersion: string }; status?: Record<string, number> }>(base: string, path: string, method = 'GET', body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(base + path, { method, headers: { 'content-type': contentType }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const out = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${out.message}`);
  return out;
}

/** The table's rows whose key starts with `prefix` (the virtualized table renders what is in view). */
const rows = (page: Page, table: string, prefix: string) => page.locator(`[role=table][aria-label="${table}"] [role=row][data-key^="${prefix}"]`);

function deployment(name: string, replicas: number, container: object) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container], terminationGracePeriodSeconds: 1 } } },
  };
}

describe('web console', { skip: missing ?? false }, () => {
  let hb: HeadlessBrowser;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    hb = await launchChromium();
  });
  after(async () => hb?.close());

  describe('on a fake cluster', () => {
    let cluster: ProcessCluster;
    let page: Page;
    before(async () => {
      cluster = await startProcessCluster('console', 2, {}, 'fake');
      page = await hb.context.newPage();
    });
    after(async () => {
      await page?.close();
      await cluster?.close();
    });

    it('serves /ui without credentials: the shell, its assets cached for good, any /ui path falls back to index.html', async () => {
      const res = await page.goto(`${cluster.base}/ui`);
      assert.equal(res?.status(), 200);
      assert.match(res?.headers()['content-type'] ?? '', /^text\/html/);
      await page.getByText('jetkube', { exact: true }).waitFor();
      const script = await page.locator('script[type=module]').getAttribute('src');
      assert.match(script ?? '', /^\/ui\/assets\/.+\.js$/);
      const asset = await fetch(cluster.base + script);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /javascript/);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
      const deep = await fetch(`${cluster.base}/ui/some/deep/link`);
      assert.equal(deep.status, 200);
      assert.match(await deep.text(), /<div id="root">/);
    });

    it('shows the 2 nodes with their allocatable resources and conditions', async () => {
      await page.goto(`${cluster.base}/ui#/nodes`);
      for (const n of cluster.nodeNames) await rows(page, 'nodes', n).first().waitFor();
      assert.equal(await rows(page, 'nodes', cluster.nodeNames[0]!.replace(/-\d+$/, '')).count(), 2);
      assert.match(await rows(page, 'nodes', cluster.nodeNames[0]!).innerText(), /Ready=True/);
      await page.screenshot({ path: `${SHOTS}/nodes.png` });
    });

    let beforeScale = 0;
    it("shows a Deployment's pods appear live, and the scale that follows", async () => {
      await page.goto(`${cluster.base}/ui#/pods?ns=default`);
      await page.getByText(/\d+ pods/).waitFor();
      await api(cluster.base, DEPLOYMENTS, 'POST', deployment('web', 2, { name: 'web', image: 'nginx', resources: { requests: { cpu: '100m', memory: '64Mi' } } }));
      await eventually('2 web pods in the pods view', async () => (await rows(page, 'pods', 'default/web-').count()) === 2);
      await eventually('2 ready replicas', async () => (await api(cluster.base, `${DEPLOYMENTS}/web`)).status?.readyReplicas === 2);
      await eventually('2 running pods shown', async () => (await rows(page, 'pods', 'default/web-').filter({ hasText: 'Running' }).count()) === 2);
      await page.screenshot({ path: `${SHOTS}/pods-2.png` });
      // The moment before the scale: the cluster's sequence now (a consistent list says it).
      beforeScale = Number((await api(cluster.base, '/api/v1/namespaces/default/pods')).metadata.resourceVersion);
      await api(cluster.base, `${DEPLOYMENTS}/web`, 'PATCH', { spec: { replicas: 4 } }, 'application/merge-patch+json');
      await eventually('4 web pods in the pods view', async () => (await rows(page, 'pods', 'default/web-').count()) === 4);
      await page.goto(`${cluster.base}/ui#/workloads/Deployment?ns=default`);
      await eventually('web 4/4 in the workloads view', async () => /4\/4/.test(await rows(page, 'deployments', 'default/web').innerText()));
      await page.screenshot({ path: `${SHOTS}/workloads-4.png` });
    });

    it('drags the time slider back before the scale: the old replica count, no live updates', async () => {
      // The slider spans the log's first sequence … the newest (the history API's bounds); the
      // keyboard moves it as a drag would, one sequence a step.
      const slider = page.locator('input[aria-label=sequence]');
      await slider.focus();
      const max = await eventually('the slider bounds', async () => Number(await slider.getAttribute('max')) > beforeScale && Number(await slider.getAttribute('max')));
      const bounds = await api<{ first: { sequence: number } }>(cluster.base, '/apis/history.jetkube.io/v1/bounds');
      assert.equal(Number(await slider.getAttribute('min')), bounds.first.sequence);
      assert.equal(await page.locator('[aria-label="oldest sequence"]').innerText(), String(bounds.first.sequence));
      await eventually('the slider at the newest sequence', async () => Number(await slider.inputValue()) === max);
      for (let i = max; i > beforeScale; i--) await slider.press('ArrowLeft');
      assert.equal(Number(await slider.inputValue()), beforeScale);
      // Beside it, the time of the sequence picked (of the newest event at or before it).
      const at = await api<{ at: { time: string } }>(cluster.base, `/apis/history.jetkube.io/v1/bounds?at=${beforeScale}`);
      const label = at.at.time.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)\.\d+Z$/, '$1 $2 UTC');
      await eventually('the time of the sequence picked', async () => (await page.locator('[aria-label="sequence time"]').innerText()) === label);
      await page.getByText('viewing the past').waitFor();
      await eventually('web 2/2 at the earlier sequence', async () => /2\/2/.test(await rows(page, 'deployments', 'default/web').innerText()));
      await page.goto(`${cluster.base}/ui#/pods?ns=default`);
      await eventually('2 web pods at the earlier sequence', async () => (await rows(page, 'pods', 'default/web-').count()) === 2);
      await page.screenshot({ path: `${SHOTS}/time-travel.png` });
      await page.getByRole('button', { name: 'live' }).click();
      await eventually('4 web pods live again', async () => (await rows(page, 'pods', 'default/web-').count()) === 4);
    });

    it('compares the two moments: the Deployment modified, with its diff', async () => {
      await page.goto(`${cluster.base}/ui#/compare?ns=default`);
      await page.locator('input[aria-label=from]').fill(String(beforeScale));
      await page.getByRole('button', { name: 'Compare' }).click();
      const row = page.locator('table.changes tr', { hasText: 'Deployment/web' });
      await row.waitFor();
      assert.match(await row.innerText(), /MODIFIED/);
      await row.getByRole('button').click();
      await page.locator('pre.diff', { hasText: 'replicas: 4' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/compare.png` });
    });

    it("opens the Deployment's page: its YAML, conditions and dependents (its ReplicaSet)", async () => {
      await page.goto(`${cluster.base}/ui#/object/apis~apps~v1~deployments/web?ns=default`);
      await page.getByRole('heading', { name: /Deployment web/ }).waitFor();
      await page.locator('table.conditions', { hasText: 'Available' }).waitFor();
      await page.locator('ul.dependents a', { hasText: /^ReplicaSet\/web-/ }).waitFor();
      await page.screenshot({ path: `${SHOTS}/object.png` });
      await page.getByRole('tab', { name: 'YAML' }).click();
      await page.locator('pre.yaml', { hasText: 'replicas: 4' }).waitFor();
    });
  });

  describe('on a process cluster', () => {
    let cluster: ProcessCluster;
    let page: Page;
    before(async () => {
      cluster = await startProcessCluster('consolelogs', 1);
      page = await hb.context.newPage();
    });
    after(async () => {
      await page?.close();
      await cluster?.close();
    });

    it("streams a pod's logs, followed", async () => {
      const script = 'echo hello-from-console; while true; do sleep 1; echo tick-$((n=n+1)); done';
      await api(cluster.base, '/api/v1/namespaces/default/pods', 'POST', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'talker' },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', script] }], terminationGracePeriodSeconds: 1 },
      });
      await eventually('talker running', async () => (await api<{ status?: { phase?: string } }>(cluster.base, '/api/v1/namespaces/default/pods/talker')).status?.phase === 'Running');
      await page.goto(`${cluster.base}/ui#/object/api~v1~pods/talker?ns=default`);
      await page.getByRole('tab', { name: 'Logs' }).click();
      await page.locator('pre.logtext', { hasText: 'hello-from-console' }).waitFor();
      // Followed: later lines arrive without a reload.
      await page.locator('pre.logtext', { hasText: 'tick-3' }).waitFor({ timeout: 20_000 });
      await page.screenshot({ path: `${SHOTS}/logs.png` });
    });
  });

  describe('on a secure cluster (jetkube up --secure)', () => {
    let cfg: Config;
    let dir: string;
    let up: ChildProcess | undefined;
    let page: Page;
    const TOKEN = `console-${Math.random().toString(36).slice(2)}`;
    before(async () => {
      cfg = await testConfig('consolesec', { port: await testPort() });
      dir = await mkdtemp(join(tmpdir(), 'jetkube-console-secure-'));
      await writeFile(join(dir, 'tokens.csv'), `${TOKEN},console-admin,u-console,"system:masters"\n`);
      const env = { ...envFor(cfg), JETKUBE_DATA_DIR: dir, TOKEN_AUTH_FILE: join(dir, 'tokens.csv'), NODE_NAME: `consolesec-${Math.random().toString(36).slice(2, 7)}`, KUBELET_PORT: '0', CLUSTER_DNS: `127.0.0.1:${await testPort()}` };
      up = spawn(process.execPath, [JETKUBE, 'up', '--secure', '--nodes', '1', '--runtime', 'fake'], { env, stdio: ['ignore', 'ignore', 'ignore'] });
      page = await hb.context.newPage();
    });
    after(async () => {
      await page?.close();
      if (up) await stop(up);
      if (cfg) await dropPrefix(cfg);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('serves /ui without credentials, asks for a token on the API\'s 401, then shows the cluster with it', async () => {
      const url = `https://127.0.0.1:${cfg.port}/ui#/nodes`;
      await eventually('the secure gateway serving /ui', async () => (await page.goto(url).catch(() => null))?.status() === 200, 120_000, 500);
      const prompt = page.getByRole('dialog', { name: 'bearer token' });
      await prompt.waitFor();
      // The watches then authenticate with the token as a WebSocket subprotocol, and stay open.
      const sockets: { url(): string; isClosed(): boolean }[] = [];
      page.on('websocket', (ws) => sockets.push(ws));
      await page.screenshot({ path: `${SHOTS}/secure-token-prompt.png` });
      await prompt.locator('textarea').fill(TOKEN);
      await prompt.getByRole('button', { name: 'Use token' }).click();
      await eventually('the node listed with the token', async () => (await rows(page, 'nodes', 'consolesec-').count()) === 1, 60_000);
      assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('jetkube.console.token')), TOKEN);
      await new Promise((r) => setTimeout(r, 2000));
      const nodes = sockets.filter((ws) => new URL(ws.url()).pathname === '/api/v1/nodes');
      assert.ok(nodes.some((ws) => !ws.isClosed()), `an open WebSocket watch of nodes: ${sockets.map((ws) => `${ws.url()} ${ws.isClosed()}`).join(', ')}`);
    });
  });
});
