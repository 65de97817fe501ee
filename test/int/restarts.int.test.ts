/**
 * The gateway and projector survive their dependencies restarting: a private nats-server (file
 * store) is killed and started again under load, and the gateway's Postgres connections are cut.
 * Writes made before, during and after come back through get, list and the projections; a write
 * that failed while NATS was down is not there, one that succeeded is.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { api, configMap, startStack, type Stack } from '../stack.js';
import { freePort, hasNatsServer, kill, startNats } from '../private-nats.js';
import { eventually } from '../wait.js';

describe('restarts of NATS and Postgres', { skip: hasNatsServer ? false : 'nats-server is not installed' }, () => {
  let dir: string;
  let port: number;
  let nats: ChildProcess;
  let s: Stack;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jk-restart-'));
    port = await freePort();
    nats = await startNats(port, dir);
    s = await startStack('restart', { natsUrl: `nats://127.0.0.1:${port}` });
  });
  after(async () => {
    await s?.close();
    if (nats) await kill(nats);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a NATS restart under load loses no acknowledged write and the projections catch up', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap(`before-${i}`))).status, 201);

    // Writers keep going while the server dies and comes back.
    let stop = false;
    const results: { name: string; status: number }[] = [];
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `during-${w}-${i}`;
        const r = await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap(name)).catch(() => ({ status: 0 }));
        results.push({ name, status: r.status });
        if (r.status !== 201) await new Promise((res) => setTimeout(res, 50));
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await kill(nats);
    await new Promise((r) => setTimeout(r, 300));
    const down = await api(s.url, 'GET', '/readyz');
    await new Promise((r) => setTimeout(r, 700));
    nats = await startNats(port, dir);
    await eventually('gateway ready again', async () => ((await api(s.url, 'GET', '/readyz')).status === 200 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(writers);

    assert.notEqual(down.status, 200, '/readyz says so while NATS is down');
    const ok = results.filter((r) => r.status === 201).map((r) => r.name);
    const failed = results.filter((r) => r.status !== 201);
    assert.ok(ok.length > 0);
    for (const f of failed) assert.ok(f.status === 0 || f.status >= 500, `a failed write is a 5xx, got ${f.status}`);

    // Every acknowledged write is readable, and the consistent list (after the projector catches up) holds them all.
    for (const name of ok) assert.equal((await api(s.url, 'GET', `/api/v1/namespaces/default/configmaps/${name}`)).status, 200, name);
    const list = await eventually('consistent list', async () => {
      const r = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps');
      return r.status === 200 ? r.body : undefined;
    });
    const names = new Set(list.items.map((i: any) => i.metadata.name));
    for (const name of ok) assert.ok(names.has(name), `${name} listed`);
    for (let i = 0; i < 10; i++) assert.ok(names.has(`before-${i}`));
    // Whatever the list shows exists in the log (a 5xx write may or may not have landed: like etcd, ambiguous).
    for (const name of names) assert.equal((await api(s.url, 'GET', `/api/v1/namespaces/default/configmaps/${name}`)).status, 200);
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap('after'))).status, 201);
  });

  it('lists survive the gateway losing its Postgres connections', async () => {
    const admin = new pg.Client({ connectionString: s.cfg.databaseUrl });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'jetkube%/${s.cfg.prefix}' and pid <> pg_backend_pid() and query not ilike '%advisory%'`,
      );
    } finally {
      await admin.end();
    }
    const r = await eventually('list after connections were cut', async () => {
      const x = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps');
      return x.status === 200 ? x : undefined;
    });
    assert.ok(r.body.items.length >= 11);
    assert.equal((await api(s.url, 'POST', '/api/v1/namespaces/default/configmaps', configMap('after-pg'))).status, 201);
    const l = await eventually('projector back', async () => {
      const x = await api(s.url, 'GET', '/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name=after-pg');
      return x.status === 200 && x.body.items.length === 1 ? x : undefined;
    });
    assert.equal(l.body.items[0].metadata.name, 'after-pg');
  });
});
