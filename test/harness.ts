/**
 * Shared test harness: real NATS (JetStream) and real Postgres, from NATS_URL / DATABASE_URL when
 * set, otherwise started once per test process with testcontainers. Each test takes its own prefix
 * (stream, subjects and schema) and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { streamName, schemaName, loadConfig, type Config } from '../shared/config.js';

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

async function startEnv(): Promise<TestEnv> {
  let natsUrl = process.env.NATS_URL;
  let databaseUrl = process.env.DATABASE_URL;
  if (!natsUrl || !databaseUrl) {
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
  return { natsUrl, databaseUrl };
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
