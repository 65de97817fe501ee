/**
 * The console's timeline and topology in headless Chromium against `jetkube up --nodes 2 --runtime
 * fake`: a Deployment rolled out to a new image shows two ReplicaSet lanes (the old one scaled
 * down, the new one up); a click on the old one's scale-down shows it as it was and its diff; the
 * topology shows Deployment → ReplicaSet → Pod → Node. Screenshots go to test-output/console/ (the
 * timeline's becomes docs/timeline.png in the README with UPDATE_DOCS=1). Skipped without /usr/bin/chromium unless
 * REQUIRE_CHROMIUM=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type HeadlessBrowser } from '../browser.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';

const SHOTS = 'test-output/console';
const missing = chromiumMissing();
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

interface Deployment {
  metadata: { generation?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number };
}

function deployment(image: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

async function call(base: string, method: string, path: string, body?: unknown, type = 'application/json'): Promise<Response> {
  return fetch(base + path, { method, headers: { 'content-type': type }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

/** Until the Deployment's current generation is rolled out: every replica updated and ready, no old one left. */
async function rolledOut(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const d = (await (await call(base, 'GET', `${DEPLOY}/web`)).json()) as Deployment;
    const s = d.status ?? {};
    if (s.observedGeneration === d.metadata.generation && s.updatedReplicas === 2 && s.readyReplicas === 2 && s.replicas === 2) return;
    if (Date.now() > deadline) throw new Error(`not rolled out: ${JSON.stringify(d.status)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Until a browser-side expression holds (a string: this file is compiled without the DOM's types). */
function waitFor(page: Page, expr: string, timeout = 30_000): Promise<unknown> {
  return page.waitForFunction(expr, undefined, { timeout });
}

describe('web console: timeline and topology', { skip: missing ?? false }, () => {
  let cluster: ProcessCluster;
  let hb: HeadlessBrowser;
  let page: Page;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    cluster = await startProcessCluster('uitl', 2, {}, 'fake');
    hb = await launchChromium();
    page = await hb.context.newPage();
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
    assert.equal((await call(cluster.base, 'POST', '/api/v1/namespaces/default/services', svc)).status, 201);
    assert.equal((await call(cluster.base, 'POST', DEPLOY, deployment('web:v1'))).status, 201);
    await rolledOut(cluster.base);
    // A pause, so the two ReplicaSets' lanes are apart on the axis.
    await new Promise((r) => setTimeout(r, 1500));
    const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:v2' }] } } } };
    assert.equal((await call(cluster.base, 'PATCH', `${DEPLOY}/web`, patch, 'application/strategic-merge-patch+json')).status, 200);
    await rolledOut(cluster.base);
  });
  after(async () => {
    await hb?.close();
    await cluster?.close();
  });

  it("shows the rollout: the old ReplicaSet's lane scaled down, the new one's up, with replica counts", async () => {
    await page.goto(`${cluster.base}/ui/#/timeline/Deployment/web?ns=default`);
    const rsLanes = page.locator('[data-testid=lane][data-kind=ReplicaSet]');
    await rsLanes.nth(1).waitFor();
    assert.equal(await rsLanes.count(), 2);
    assert.equal(await page.locator('[data-testid=lane][data-kind=Deployment]').count(), 1);
    // Four pods: two of each ReplicaSet (the old ones deleted, still on the timeline).
    assert.equal(await page.locator('[data-testid=lane][data-kind=Pod]').count(), 4);
    const states = async (i: number) => rsLanes.nth(i).locator('.tl-seg').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-state')} ${e.getAttribute('data-label')}`));
    const [older, newer] = [await states(0), await states(1)];
    // The old one: ready at 2/2, then scaled to 0/0; the new one ends ready at 2/2.
    assert.ok(older.includes('Ready 2/2'), older.join(', '));
    assert.equal(older[older.length - 1], 'ScaledDown 0/0');
    assert.equal(newer[newer.length - 1], 'Ready 2/2');
    await page.screenshot({ path: `${SHOTS}/timeline.png` });
    // UPDATE_DOCS=1 refreshes the README's picture; a plain run leaves the checkout as it was.
    if (process.env.UPDATE_DOCS === '1') copyFileSync(`${SHOTS}/timeline.png`, 'docs/timeline.png');
  });

  it('zooms with the wheel and pans with a drag', async () => {
    // The axis as a whole (every tick's label and place): one tick's label alone can come out the same.
    const AXIS = `[...document.querySelectorAll('.tl-axis text')].map((t) => t.textContent + '@' + t.parentElement?.getAttribute('transform')).join(' ')`;
    const axis = () => page.evaluate(AXIS) as Promise<string>;
    const before = await axis();
    const box = (await page.locator('[data-testid=timeline-lanes]').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + 40);
    await page.mouse.wheel(0, -600);
    await waitFor(page, `${AXIS} !== ${JSON.stringify(before)}`);
    const zoomed = await axis();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + 40, { steps: 5 });
    await page.mouse.up();
    await waitFor(page, `${AXIS} !== ${JSON.stringify(zoomed)}`);
    // Back to the whole history for the next test.
    await page.reload();
    await page.locator('[data-testid=lane][data-kind=ReplicaSet]').nth(1).waitFor();
  });

  it('a click on the old ReplicaSet scaling to 0 shows it as it was then and its diff with the revision before', async () => {
    const old = page.locator('[data-testid=lane][data-kind=ReplicaSet]').first();
    const point = old.locator('[data-testid=point]', { hasText: /spec\.replicas \d→0/ });
    await point.first().dispatchEvent('click');
    const yaml = page.getByTestId('revision-yaml');
    await yaml.waitFor();
    const text = (await yaml.textContent()) ?? '';
    assert.match(text, /kind: ReplicaSet/);
    assert.match(text, /replicas: 0/);
    assert.match(text, /image: web:v1/);
    const diff = page.getByTestId('revision-diff');
    await waitFor(page, `/@@/.test(document.querySelector('[data-testid=revision-diff]')?.textContent ?? '')`);
    const d = (await diff.textContent()) ?? '';
    assert.match(d, /^-\s+replicas: [12]$/m);
    assert.match(d, /^\+\s+replicas: 0$/m);
    await page.getByTestId('revision-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/timeline-diff.png`, fullPage: true });
  });

  it('shows the topology: Deployment → ReplicaSet → Pod → Node and Service → Endpoints → Pod, live', async () => {
    // Its six watches (and the shell's of namespaces, opened before) are WebSockets: they hold none of
    // the six HTTP connections Chromium opens to a host.
    const sockets: string[] = [];
    const onSocket = (ws: { url(): string }) => sockets.push(new URL(ws.url()).pathname);
    page.on('websocket', onSocket);
    await page.goto(`${cluster.base}/ui/#/topology?ns=default`);
    await page.locator('[data-testid=topo-vertex][data-id="Deployment/web"]').waitFor();
    const edges = page.locator('[data-testid=topo-edge]');
    const pairs = async () => (await edges.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-from')}>${e.getAttribute('data-to')}`)));
    // Two ReplicaSets, the new one owning both running pods, each pod on one of the two nodes.
    await waitFor(page, `document.querySelectorAll('[data-testid=topo-edge][data-to^="Node/"]').length === 2`);
    const p = await pairs();
    assert.equal(p.filter((x) => x.startsWith('Deployment/web>ReplicaSet/')).length, 2);
    const podEdges = p.filter((x) => x.startsWith('ReplicaSet/') && x.includes('>Pod/'));
    assert.equal(podEdges.length, 2);
    assert.equal(new Set(podEdges.map((x) => x.split('>')[0])).size, 1);
    for (const x of p.filter((y) => y.includes('>Node/'))) assert.ok(cluster.nodeNames.includes(x.split('>Node/')[1]!), x);
    // Service → Endpoints → both pods.
    await waitFor(page, `document.querySelectorAll('[data-testid=topo-edge][data-from="Endpoints/web"]').length === 2`);
    assert.ok((await pairs()).includes('Service/web>Endpoints/web'));
    await page.screenshot({ path: `${SHOTS}/topology.png` });

    // Live: a scale to 3 shows a third pod without a reload.
    assert.equal((await call(cluster.base, 'PATCH', `${DEPLOY}/web/scale`, { spec: { replicas: 3 } }, 'application/merge-patch+json')).status, 200);
    await waitFor(page, `document.querySelectorAll('[data-testid=topo-edge][data-to^="Node/"]').length === 3`);
    page.off('websocket', onSocket);
    for (const watched of ['/apis/apps/v1/namespaces/default/deployments', '/apis/apps/v1/namespaces/default/replicasets', '/api/v1/namespaces/default/pods', '/api/v1/namespaces/default/services', '/api/v1/namespaces/default/endpoints', '/api/v1/nodes']) {
      assert.ok(sockets.includes(watched), `${watched} watched over a WebSocket: ${sockets.join(' ')}`);
    }
    // And plain requests still go through while all of them are open.
    assert.equal(await page.evaluate(async () => (await fetch('/version')).status), 200);
  });
  it("time travel from the timeline: the topology as it was when the old ReplicaSet scaled to 0 (its pod still there)", async () => {
    await page.goto(`${cluster.base}/ui/#/timeline/Deployment/web?ns=default`);
    const old = page.locator('[data-testid=lane][data-kind=ReplicaSet]').first();
    const oldName = await old.getAttribute('data-name');
    await old.locator('[data-testid=point]', { hasText: /spec\.replicas \d→0/ }).first().dispatchEvent('click');
    await page.getByRole('button', { name: 'Show the cluster then' }).click();
    await page.getByTestId('asof-marker').waitFor({ state: 'attached' }); // a line: no area, never "visible"
    // The nav link changes the hash only: the time-travel point stays.
    await page.getByRole('link', { name: 'Topology' }).click();
    await page.getByText(/as of #\d+/).waitFor();
    await page.locator(`[data-testid=topo-vertex][data-id^="Pod/${oldName}-"]`).first().waitFor();
    await page.screenshot({ path: `${SHOTS}/topology-past.png` });
  });
  it("a namespace's timeline: every object's lane, grouped by kind, events left out", async () => {
    await page.goto(`${cluster.base}/ui/#/timeline?ns=default`);
    await page.locator('[data-testid=lane][data-kind=Service][data-name=web]').waitFor();
    assert.equal(await page.locator('[data-testid=lane][data-kind=Deployment]').count(), 1);
    assert.equal(await page.locator('[data-testid=lane][data-kind=ReplicaSet]').count(), 2);
    assert.ok((await page.locator('[data-testid=lane][data-kind=Pod]').count()) >= 4);
    assert.equal(await page.locator('[data-testid=lane][data-kind=Event]').count(), 0);
    const headers = await page.locator('.tl-header').evaluateAll((els) => els.map((e) => e.firstChild?.textContent?.trim()));
    assert.deepEqual(headers.slice(0, 3), ['Deployment', 'ReplicaSet', 'Pod']);
  });
});
