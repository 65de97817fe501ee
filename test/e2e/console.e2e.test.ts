/**
 * The web console (/ui) in headless Chromium against `jetkube up --nodes 2 --runtime fake`.
 * Screenshots go to test-output/console/. Skipped without /usr/bin/chromium unless REQUIRE_CHROMIUM=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type HeadlessBrowser } from '../browser.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';

const SHOTS = 'test-output/console';
const missing = chromiumMissing();

describe('web console', { skip: missing ?? false }, () => {
  let cluster: ProcessCluster;
  let hb: HeadlessBrowser;
  let page: Page;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    cluster = await startProcessCluster('console', 2, {}, 'fake');
    hb = await launchChromium();
    page = await hb.context.newPage();
  });
  after(async () => {
    await hb?.close();
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
    await page.screenshot({ path: `${SHOTS}/shell.png` });
  });
});
