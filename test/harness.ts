/**
 * Shared test harness: real NATS (JetStream) and real Postgres, from NATS_URL / DATABASE_URL when
 * set, else the servers answering on loopback's standard ports, else started once per test
 * process with testcontainers. Each test takes its own prefix
 * (stream, subjects and schema) and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamName, schemaName, loadConfig, type Config } from '../shared/config.js';
import { EventLog, type StoredEvent } from '../shared/eventlog/index.js';
import { dbRoleNames } from '../shared/db/roles.js';

export interface TestEnv {
  readonly natsUrl: string;
  readonly databaseUrl: string;
}

let envPromise: Promise<TestEnv> | undefined;
const stoppers: (() => Promise<unknown>)[] = [];

export function testEnv(): Promise<TestEnv> {
  envPromise ??= startEnv();
  return envPromise;
}

const LOCAL_NATS = 'nats://127.0.0.1:4222';
const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';

/** True if something accepts TCP connections at host:port within a second. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port, timeout: 1000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
  });
}

async function startEnv(): Promise<TestEnv> {
  // Explicit URLs win; otherwise servers already answering on loopback; otherwise testcontainers.
  let natsUrl = process.env.NATS_URL || ((await answers('127.0.0.1', 4222)) ? LOCAL_NATS : undefined);
  let databaseUrl = process.env.DATABASE_URL || ((await answers('127.0.0.1', 5432)) ? LOCAL_PG : undefined);
  if (!natsUrl || !databaseUrl) {
    try {
      return await startContainers(natsUrl, databaseUrl);
    } catch (e) {
      throw new Error(
        `NATS_URL / DATABASE_URL are not set and testcontainers could not start NATS and Postgres (${(e as Error).message}). ` +
          'Point NATS_URL and DATABASE_URL at running servers, or run a Docker engine.',
        { cause: e },
      );
    }
  }
  return { natsUrl, databaseUrl };
}

async function startContainers(natsUrl: string | undefined, databaseUrl: string | undefined): Promise<TestEnv> {
  {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (!natsUrl) {
      const c = await new GenericContainer('nats:2.10')
        .withCommand(['-js'])
        .withExposedPorts(4222)
        .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
        .start();
      stoppers.push(() => c.stop());
      natsUrl = `nats://${c.getHost()}:${c.getMappedPort(4222)}`;
    }
    if (!databaseUrl) {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const c = await new PostgreSqlContainer('postgres:15').start();
      stoppers.push(() => c.stop());
      databaseUrl = c.getConnectionUri();
    }
  }
  return { natsUrl: natsUrl!, databaseUrl: databaseUrl! };
}

/** Stop containers this process started (call from a global after()). */
export async function stopEnv(): Promise<void> {
  await Promise.allSettled(stoppers.splice(0).map((s) => s()));
}

/** A fresh isolation prefix: `t_<tag>_<random>`. */
export function uniquePrefix(tag: string): string {
  return `t_${tag.replace(/[^a-z0-9]/g, '').slice(0, 12)}_${randomBytes(4).toString('hex')}`;
}

/** A Config for one test: its own prefix, a free port unless given. */
export async function testConfig(tag: string, overrides: Partial<Config> = {}): Promise<Config> {
  const env = await testEnv();
  return loadConfig(
    { NATS_URL: env.natsUrl, DATABASE_URL: env.databaseUrl, LOG_LEVEL: process.env.LOG_LEVEL || 'silent' },
    { prefix: uniquePrefix(tag), port: 0, ...overrides },
  );
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the system picks it), for a server a test
 * starts in another process. Never a random number from a fixed range: parallel suites collided.
 */
export { freePort as testPort } from './private-nats.js';

/** A UDP port on 127.0.0.1 that was free a moment ago, whose TCP twin was free too (cluster DNS binds both). */
export async function freeDnsPort(): Promise<number> {
  for (;;) {
    const sock = createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve(sock.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((r) => sock.close(() => r()));
    if (tcpFree) return port;
  }
}

/** Delete the test's stream and drop its schemas (the live one and any replay/as-of ones). */
export async function dropPrefix(cfg: Config): Promise<void> {
  const nc = await connect({ servers: cfg.natsUrl.split(',') });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamName(cfg.prefix)).catch(() => undefined);
  } finally {
    await nc.close();
  }
  const client = new pg.Client({ connectionString: cfg.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `select nspname from pg_namespace where nspname = $1 or nspname like $2`,
      [schemaName(cfg.prefix), `${schemaName(cfg.prefix)}\\_%`],
    );
    for (const r of rows) await client.query(`drop schema if exists "${r.nspname}" cascade`);
  } finally {
    await client.end();
  }
}

/** One query in the prefix's schema (search_path set), on a connection of its own. */
export async function querySchema<T extends pg.QueryResultRow = any>(cfg: Config, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: cfg.databaseUrl });
  await c.connect();
  try {
    await c.query(`set search_path to "${schemaName(cfg.prefix)}"`);
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Drop a locked cluster's Postgres roles (shared/db/roles.ts) after its schemas are gone. */
export async function dropDbRoles(cfg: Config): Promise<void> {
  const names = Object.values(dbRoleNames(cfg.prefix));
  const client = new pg.Client({ connectionString: cfg.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ rolname: string }>('select rolname from pg_roles where rolname = any($1)', [names]);
    if (!rows.length) return;
    // One role at a time: `drop owned by a, b` trips over a default ACL that names both.
    for (const r of rows) await client.query(`drop owned by "${r.rolname}"`);
    for (const r of rows) await client.query(`drop role "${r.rolname}"`);
  } finally {
    await client.end();
  }
}

/** Every event on the test's stream, in order (direct gets, 64 at a time). */
export async function streamEvents(cfg: Config): Promise<StoredEvent[]> {
  const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
  try {
    const { firstSeq, lastSeq } = await el.state();
    const out: StoredEvent[] = [];
    for (let s = firstSeq; s <= lastSeq; s += 64) {
      const batch = await Promise.all(Array.from({ length: Math.min(64, lastSeq - s + 1) }, (_, i) => el.getBySeq(s + i).catch(() => null)));
      for (const e of batch) if (e) out.push(e);
    }
    return out;
  } finally {
    await el.close();
  }
}

/** The test stream's last sequence. */
export async function lastSeq(cfg: Config): Promise<number> {
  const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject });
  try {
    return (await el.state()).lastSeq;
  } finally {
    await el.close();
  }
}
