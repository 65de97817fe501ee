/**
 * bench:console — the web console's first paint of the pods view with CONSOLE_PODS pods (5,000) on
 * CONSOLE_NODES fake nodes (50: a node takes 110 pods) in one namespace, in headless Chromium: from navigation start to
 * the first table rows rendered (the console's `jetkube:rows:pods` performance mark), over
 * CONSOLE_LOADS loads (7; the first with a cold cache). Baselines from the same run: the same list
 * fetched with plain fetch from Node, and fetched + parsed by the same browser page (no rendering).
 * Target: first paint under 2 s.
 *
 *   npm run bench:console
 */
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium } from '../test/browser.js';
import { dropPrefix, testConfig, testPort } from '../test/harness.js';
import { startJetkube, stop } from '../test/e2e/cli.js';
import { median, printTable } from './report.js';

const PODS = Number(process.env.CONSOLE_PODS || 5000);
const NODES = Number(process.env.CONSOLE_NODES || 50);
const LOADS = Number(process.env.CONSOLE_LOADS || 7);
const DEPLOYMENTS = 10;
const NS = 'bench';
const log = (m: string) => process.stderr.write(`[console ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (ms: number) => `${Math.round(ms).toLocaleString('en-US')} ms`;

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const cfg = await testConfig('benchconsole', { port: await testPort() });
  const base = `http://127.0.0.1:${cfg.port}`;
  Object.assign(process.env, {
    NODE_NAME: `bench-${Math.random().toString(36).slice(2, 6)}`,
    // One process and no rival: on a busy 2-core machine a missed lease renewal would stop the controllers.
    LEADER_ELECT: 'false',
    // This run's own service range, so a cluster of another run never holds the same addresses.
    SERVICE_CLUSTER_IP_RANGE: `127.13.${1 + Math.floor(Math.random() * 250)}.0/24`,
    NODEPORT_ADDRESSES: '127.0.0.1',
  });
  log(`jetkube up --nodes ${NODES} --runtime fake (prefix ${cfg.prefix})`);
  const up = await startJetkube(['up', '--insecure', '--nodes', String(NODES), '--runtime', 'fake'], cfg, `${base}/readyz`);
  const hb = await launchChromium();
  try {
    const post = async (path: string, body: unknown) => {
      const r = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
    };
    await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const replicas = Math.ceil(PODS / DEPLOYMENTS);
    for (let i = 0; i < DEPLOYMENTS; i++) {
      const name = `web-${i}`;
      await post(`/apis/apps/v1/namespaces/${NS}/deployments`, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] } } },
      });
    }
    const listUrl = `${base}/api/v1/namespaces/${NS}/pods`;
    const t0 = Date.now();
    for (;;) {
      const l = (await (await fetch(listUrl)).json()) as { items: { status?: { phase?: string } }[] };
      const running = l.items.filter((p) => p.status?.phase === 'Running').length;
      log(`${l.items.length} pods, ${running} running`);
      if (running >= replicas * DEPLOYMENTS) break;
      if (Date.now() - t0 > 600_000) throw new Error('pods not running after 10 minutes');
      await sleep(10_000);
    }

    const nodeFetch: number[] = [];
    const browserFetch: number[] = [];
    const firstRows: number[] = [];
    const allRows: number[] = [];
    let bytes = 0;
    for (let i = 0; i < LOADS; i++) {
      let t = performance.now();
      const body = await (await fetch(listUrl, { headers: { accept: 'application/json' } })).text();
      bytes = body.length;
      JSON.parse(body);
      nodeFetch.push(performance.now() - t);

      const page: Page = await hb.context.newPage();
      await page.goto(`${base}/ui#/pods?ns=${NS}`);
      const mark = await page.waitForFunction(() => performance.getEntriesByName('jetkube:rows:pods')[0]?.startTime, undefined, { timeout: 60_000 });
      firstRows.push(Number(await mark.jsonValue()));
      // And the whole list after it (the first page shows first): every pod counted.
      await page.getByText(new RegExp(`^${replicas * DEPLOYMENTS} pods`)).waitFor({ timeout: 60_000 });
      allRows.push(Number(await page.evaluate(() => performance.now())));
      browserFetch.push(
        await page.evaluate(async (url) => {
          const s = performance.now();
          await (await fetch(url, { headers: { accept: 'application/json' } })).json();
          return performance.now() - s;
        }, listUrl),
      );
      await page.close();
    }
    const m = median(firstRows);
    printTable(`bench:console: pods view, ${replicas * DEPLOYMENTS} pods on ${NODES} fake nodes, ${LOADS} loads (list ${(bytes / 1024 / 1024).toFixed(1)} MB)`, [
      ['what', 'median', 'min', 'max', 'ratio to Node fetch'],
      ...([
        ['first rows rendered (navigation → rows)', firstRows],
        ['every pod listed (navigation → count shown)', allRows],
        ['baseline: same list, fetch+parse in the page', browserFetch],
        ['baseline: same list, fetch+parse from Node', nodeFetch],
      ] as const).map(([what, xs]) => [what, fmt(median(xs)), fmt(Math.min(...xs)), fmt(Math.max(...xs)), `${(median(xs) / median(nodeFetch)).toFixed(2)}x`]),
    ]);
    console.log(`\n  first loads: ${firstRows.map(fmt).join(', ')}`);
    console.log(`  target first paint < 2,000 ms: ${m < 2000 ? 'met' : '**NOT met**'}`);
  } finally {
    await hb.close();
    await stop(up);
    await dropPrefix(cfg).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
