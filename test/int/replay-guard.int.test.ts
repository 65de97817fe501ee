/**
 * Replay refuses a database that does not hold the prefix's projections (no projector checkpoint
 * in its schema: DATABASE_URL or JETKUBE_PREFIX names another database or cluster), in the library
 * and in both CLIs, and creates nothing on the way: no schema in Postgres, no stream in NATS.
 * The same prefix once migrated (as the gateway and the projector do on start) replays.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';
import { schemaName, streamName, type Config } from '../../shared/config.js';
import { createDb, migrate } from '../../shared/db/index.js';
import { isNoProjectionsError, replay } from '../../services/projector/index.js';
import { dropPrefix, testConfig } from '../harness.js';
import { envFor, JETKUBE, JKCTL, run } from '../e2e/cli.js';

/** The prefix's schemas (live, replay_*, asof_*) in Postgres. */
async function schemasOf(cfg: Config): Promise<string[]> {
  const c = new pg.Client({ connectionString: cfg.databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ nspname: string }>(`select nspname from pg_namespace where nspname = $1 or nspname like $2 order by 1`, [
      schemaName(cfg.prefix),
      `${schemaName(cfg.prefix)}\\_%`,
    ]);
    return rows.map((r) => r.nspname);
  } finally {
    await c.end();
  }
}

async function streamExists(cfg: Config): Promise<boolean> {
  const nc = await connect({ servers: cfg.natsUrl.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    return await jsm.streams.info(streamName(cfg.prefix)).then(
      () => true,
      () => false,
    );
  } finally {
    await nc.close();
  }
}

/** What the refusal must say: which schema, which prefix, and that nothing was written. */
function assertRefusal(message: string, cfg: Config): void {
  const schema = schemaName(cfg.prefix);
  assert.match(message, new RegExp(`no projector checkpoint in schema "${schema}" of postgres://[^ ]+: the projections of prefix "${cfg.prefix}" don't exist in this database`));
  assert.match(message, /Nothing was written/);
  assert.doesNotMatch(message, /postgres:\/\/[^/ ]*@/, 'no user or password in the message');
}

describe('replay against a database without the prefix\'s projections', () => {
  const configs: Config[] = [];
  const config = async (tag: string) => {
    const cfg = await testConfig(tag);
    configs.push(cfg);
    return cfg;
  };
  after(async () => {
    for (const cfg of configs) await dropPrefix(cfg);
  });

  it('refuses (full and point in time) with NoProjectionsError and creates no schema and no stream', async () => {
    const cfg = await config('rguard');
    for (const opts of [{}, { toSeq: 5 }, { toTime: new Date() }]) {
      const err = await replay(cfg, opts).then(
        () => assert.fail(`replay(${JSON.stringify(opts)}) ran against a database without the projections`),
        (e: unknown) => e,
      );
      assert.ok(isNoProjectionsError(err), `a NoProjectionsError, not ${String(err)}`);
      assertRefusal(err.message, cfg);
    }
    assert.deepEqual(await schemasOf(cfg), [], 'no schema was created');
    assert.equal(await streamExists(cfg), false, 'no stream was created');
  });

  it('`jetkube replay` and `jkctl replay` print the refusal (no stack) and exit 1', async () => {
    const cfg = await config('rguardcli');
    for (const [cli, args] of [
      ['jetkube', [JETKUBE, 'replay']],
      ['jetkube', [JETKUBE, 'replay', '--to-seq', '3']],
      ['jkctl', [JKCTL, 'replay']],
    ] as const) {
      const r = await run(process.execPath, [...args], envFor(cfg));
      assert.equal(r.code, 1, `${cli} ${args.slice(1).join(' ')} exits 1:\n${r.stderr}`);
      assert.match(r.stderr, /^(.*\r)?error: no projector checkpoint/m, `${cli}: one error line`);
      assertRefusal(r.stderr, cfg);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${cli}: no stack trace`);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(await schemasOf(cfg), []);
    assert.equal(await streamExists(cfg), false);
  });

  it('replays once the prefix is migrated there (the guard is the checkpoint, nothing else)', async () => {
    const cfg = await config('rguardok');
    const db = createDb(cfg.databaseUrl, schemaName(cfg.prefix), { max: 1 });
    try {
      await migrate(db);
    } finally {
      await db.destroy();
    }
    const res = await replay(cfg);
    assert.equal(res.schema, schemaName(cfg.prefix));
    assert.equal(res.lastSeq, 0);
    const r = await run(process.execPath, [JETKUBE, 'replay'], envFor(cfg));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^replayed 0 events up to sequence 0 /);
  });
});
