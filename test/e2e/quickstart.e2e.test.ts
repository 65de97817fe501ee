/**
 * The README's "done when", as a user does it: start `jetkube up`, post a Deployment YAML over HTTP,
 * read it back with its resourceVersion, see it with SQL, run `jetkube replay` and see the same rows,
 * then a point-in-time replay.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { dropPrefix, testConfig, testPort } from '../harness.js';
import { JETKUBE, envFor, run, startJetkube, stop } from './cli.js';
import type { Config } from '../../shared/config.js';

describe('quick start through the jetkube binary', () => {
  let cfg: Config;
  let up: ChildProcess;
  let base: string;
  let sql: pg.Client;

  before(async () => {
    cfg = await testConfig('quick', { port: await testPort() });
    base = `http://127.0.0.1:${cfg.port}`;
    // Only the core services: with controllers running, status writes would race the row comparisons below.
    up = await startJetkube(['up', '--insecure', '--services', 'projector,gateway'], cfg, `${base}/readyz`);
    sql = new pg.Client({ connectionString: cfg.databaseUrl });
    await sql.connect();
  });
  after(async () => {
    await sql?.end();
    if (up) assert.equal(await stop(up), 0, 'jetkube up exits 0 on SIGTERM');
    await dropPrefix(cfg);
  });

  it('takes a Deployment as YAML, serves it back, and projects it into Postgres', async () => {
    const yaml = await readFile(new URL('../../../test/fixtures/nginx-deployment.yaml', import.meta.url), 'utf8');
    const created = await fetch(`${base}/apis/apps/v1/namespaces/default/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
    assert.equal(created.status, 201);
    const obj = (await created.json()) as { metadata: { resourceVersion: string; uid: string } };
    const got = (await (await fetch(`${base}/apis/apps/v1/namespaces/default/deployments/web`)).json()) as typeof obj;
    assert.equal(got.metadata.resourceVersion, obj.metadata.resourceVersion);

    // A consistent list waits for the projector, so after it the row is in Postgres.
    const list = await fetch(`${base}/apis/apps/v1/deployments`);
    assert.equal(list.status, 200);
    const rows = await sql.query(`select namespace, name, replicas, resource_version from "${cfg.prefix}".deployments`);
    assert.deepEqual(rows.rows.map((r) => [r.namespace, r.name, Number(r.replicas), String(r.resource_version)]), [
      ['default', 'web', 3, obj.metadata.resourceVersion],
    ]);
    const ev = await sql.query(`select type, kind, name from "${cfg.prefix}".events where kind = 'Deployment' order by sequence`);
    // ADDED first; the controller-manager's status writes may follow.
    assert.deepEqual(ev.rows[0], { type: 'ADDED', kind: 'Deployment', name: 'web' });
    assert.ok(ev.rows.slice(1).every((r) => r.type === 'MODIFIED'));
  });

  it('rebuilds the same rows with `jetkube replay`, and the past with --to-seq', async () => {
    const before = await sql.query(`select name, replicas, object from "${cfg.prefix}".deployments order by name`);
    const seqBeforeScale = Number(before.rows[0].object.metadata.resourceVersion);
    const scaled = await fetch(`${base}/apis/apps/v1/namespaces/default/deployments/web/scale`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 5 } }),
    });
    assert.equal(scaled.status, 200);
    await fetch(`${base}/apis/apps/v1/deployments`); // wait for the projection
    const live = await sql.query(`select name, replicas, object from "${cfg.prefix}".deployments order by name`);
    assert.equal(Number(live.rows[0].replicas), 5);

    const r = await run(process.execPath, [JETKUBE, 'replay'], envFor(cfg));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed \d+ events/);
    assert.match(r.stderr, /events\/s/);
    const after = await sql.query(`select name, replicas, object from "${cfg.prefix}".deployments order by name`);
    assert.deepEqual(after.rows, live.rows);

    const pit = await run(process.execPath, [JETKUBE, 'replay', '--to-seq', String(seqBeforeScale)], envFor(cfg));
    assert.equal(pit.code, 0, pit.stderr);
    const asof = await sql.query(`select name, replicas from "${cfg.prefix}_asof_${seqBeforeScale}".deployments`);
    assert.deepEqual(asof.rows.map((x) => [x.name, Number(x.replicas)]), [['web', 3]]);
    const stillLive = await sql.query(`select replicas from "${cfg.prefix}".deployments`);
    assert.equal(Number(stillLive.rows[0].replicas), 5, 'live tables untouched');
  });
});
