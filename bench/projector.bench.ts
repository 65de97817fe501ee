/**
 * Projector and replay throughput, each next to a raw baseline measured in the same run.
 *
 *   npm run bench:projector            (BENCH_EVENTS=100000, BENCH_REPLAY_EVENTS=1000000, BENCH_REPEAT=3)
 *
 * 1. Publish BENCH_EVENTS realistic pod lifecycle events (create, bind, start, ready, an occasional
 *    restart), many pods in flight at once, async publishes with up to 2,000 outstanding.
 * 2. Projector catch-up from a fresh schema, events/s (median of BENCH_REPEAT runs), against the raw
 *    baseline: the same rows upserted straight into Postgres, 500 per statement with the
 *    resource_version guard (no NATS, no decoding, no mirror, no checkpoint).
 * 3. Grow the stream to BENCH_REPLAY_EVENTS and time a full replay (build + swap), against the raw
 *    baseline of reading the same messages with an ordered consumer and doing nothing with them.
 */
import { randomBytes } from 'node:crypto';
import { DeliverPolicy } from '@nats-io/jetstream';
import { sql } from 'kysely';
import { loadConfig, schemaName, type Config } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { EventLog, encodeEnvelope } from '../shared/eventlog/index.js';
import type { EventType, KObject } from '../shared/resources/meta.js';
import { resourceByPlural } from '../shared/resources/registry.js';
import { createDb, migrate, toRow, columnsOf, type ObjectRow } from '../shared/db/index.js';
import { Projector } from '../services/projector/projector.js';
import { replay } from '../services/projector/replay.js';
import { dropPrefix } from '../test/harness.js';

const EVENTS = intEnv('BENCH_EVENTS', 100_000);
const REPLAY_EVENTS = intEnv('BENCH_REPLAY_EVENTS', 1_000_000);
const REPEAT = intEnv('BENCH_REPEAT', 3);
const NAMESPACES = 20;
const NODES = 100;
const IN_FLIGHT_PODS = 500;

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  const n = v ? Number(v) : dflt;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

// ---- a pod lifecycle event generator ------------------------------------------------------------------

interface PodState {
  readonly i: number;
  step: number;
  restarts: number;
}

/** Deterministic stream of pod events: each pod goes ADDED -> bound -> started -> ready (-> restarts) -> DELETED. */
function* podEvents(seed = 1): Generator<{ type: EventType; object: KObject }> {
  let rnd = seed;
  const random = () => ((rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let next = 0;
  const live: PodState[] = [];
  for (;;) {
    while (live.length < IN_FLIGHT_PODS) live.push({ i: next++, step: 0, restarts: 0 });
    const k = Math.floor(random() * live.length);
    const p = live[k]!;
    const lastStep = p.step >= 4 && random() < 0.7;
    if (p.step >= 4 && !lastStep) p.restarts++;
    const type: EventType = p.step === 0 ? 'ADDED' : lastStep ? 'DELETED' : 'MODIFIED';
    yield { type, object: podObject(p) };
    p.step++;
    if (type === 'DELETED') live.splice(k, 1);
  }
}

function podObject(p: PodState): KObject {
  const app = `app-${p.i % 250}`;
  const ns = `ns-${p.i % NAMESPACES}`;
  const node = `node-${p.i % NODES}`;
  const bound = p.step >= 1;
  const started = p.step >= 2;
  const ready = p.step >= 3;
  const t = '2026-11-22T10:00:00Z';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-7d9f8c6b5-${p.i.toString(36).padStart(5, '0')}`,
      namespace: ns,
      uid: `0b7c${p.i.toString(16).padStart(8, '0')}-1f2e-4c3d-9a8b-7f6e5d4c3b2a`,
      generation: 1,
      creationTimestamp: t,
      labels: { app, 'pod-template-hash': '7d9f8c6b5', tier: p.i % 3 ? 'backend' : 'frontend' },
      annotations: { 'jetkube.io/revision': '3' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7d9f8c6b5`, uid: `rs-${p.i % 250}`, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      ...(bound ? { nodeName: node } : {}),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      containers: [
        {
          name: 'main',
          image: `registry.local/${app}:1.${p.i % 7}`,
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'LOG_LEVEL', value: 'info' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
        },
      ],
    },
    status: {
      phase: started ? 'Running' : 'Pending',
      ...(bound ? { hostIP: `127.0.${p.i % NODES}.1` } : {}),
      ...(started ? { podIP: `127.1.${(p.i >> 8) & 255}.${p.i & 255}`, startTime: t } : {}),
      conditions: [
        { type: 'PodScheduled', status: bound ? 'True' : 'False', lastTransitionTime: t },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: t },
      ],
      ...(started
        ? { containerStatuses: [{ name: 'main', ready, restartCount: p.restarts, image: `registry.local/${app}:1.${p.i % 7}`, started: true }] }
        : {}),
    },
  };
}

// ---- steps --------------------------------------------------------------------------------------------

async function publish(el: EventLog, gen: Generator<{ type: EventType; object: KObject }>, n: number): Promise<{ lastSeq: number; seconds: number }> {
  const t0 = performance.now();
  let pending: Promise<{ seq: number }>[] = [];
  let lastSeq = 0;
  for (let i = 0; i < n; i++) {
    const { type, object } = gen.next().value!;
    const subject = el.subjectFor('pods', object.metadata.namespace, object.metadata.name!);
    pending.push(el.js.publish(subject, encodeEnvelope(type, object)));
    if (pending.length >= 2000) {
      for (const a of await Promise.all(pending)) lastSeq = Math.max(lastSeq, a.seq);
      pending = [];
    }
  }
  for (const a of await Promise.all(pending)) lastSeq = Math.max(lastSeq, a.seq);
  return { lastSeq, seconds: (performance.now() - t0) / 1000 };
}

async function projectorCatchUp(cfg: Config, lastSeq: number): Promise<number> {
  const admin = createDb(cfg.databaseUrl, schemaName(cfg.prefix));
  await sql`drop schema if exists ${sql.id(schemaName(cfg.prefix))} cascade`.execute(admin);
  await admin.destroy();
  const p = new Projector(cfg, createLogger('bench', 'warn'));
  const t0 = performance.now();
  p.start();
  await p.waitFor(lastSeq, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  await p.stop();
  return seconds;
}

/** Raw baseline: the same rows, upserted 500 per statement with the guard, no NATS/decode/mirror. */
async function rawUpserts(cfg: Config, rows: readonly ObjectRow[]): Promise<number> {
  const schema = `${schemaName(cfg.prefix)}_raw`;
  const db = createDb(cfg.databaseUrl, schema);
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await migrate(db);
    const cols = columnsOf('pods');
    const names = sql.raw(cols.map((c) => `"${c.name}"`).join(', '));
    const set = sql.raw(
      cols
        .filter((c) => c.name !== 'namespace' && c.name !== 'name')
        .map((c) => `"${c.name}" = excluded."${c.name}"`)
        .join(', '),
    );
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += 500) {
      // One row per object per statement (Postgres refuses to upsert a key twice in one command):
      // the newest, as the projector's batches do.
      const chunk = [...new Map(rows.slice(i, i + 500).map((r) => [`${r.namespace}/${r.name}`, r])).values()];
      const values = sql.join(
        chunk.map((r) => {
          const rec = r as unknown as Record<string, unknown>;
          return sql`(${sql.join(cols.map((c) => param(rec[c.name], c.type)))})`;
        }),
      );
      await sql`insert into pods (${names}) values ${values}
        on conflict (namespace, name) do update set ${set} where pods.resource_version < excluded.resource_version`.execute(db);
    }
    return (performance.now() - t0) / 1000;
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await db.destroy();
  }
}

function param(v: unknown, type: string) {
  if (type === 'jsonb') return sql`${v === null ? null : JSON.stringify(v)}::jsonb`;
  if (type === 'text[]') return sql`${v}::text[]`;
  return sql`${v}`;
}

/** Raw baseline for replay: read every message with an ordered consumer, nothing else. */
async function rawRead(el: EventLog, lastSeq: number): Promise<number> {
  const t0 = performance.now();
  const c = await el.js.consumers.get(el.stream, { deliver_policy: DeliverPolicy.All });
  const it = await c.consume({ max_messages: 10_000 });
  for await (const m of it) if (m.seq >= lastSeq || m.info.pending === 0) break;
  await it.close();
  return (performance.now() - t0) / 1000;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---- main ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cfg = loadConfig(process.env, { prefix: `bench_proj_${randomBytes(3).toString('hex')}`, logLevel: 'warn' });
  const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject, name: 'bench' });
  const out: [string, string, string][] = [];
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  try {
    const gen = podEvents();
    const pub = await publish(el, gen, EVENTS);
    console.error(`published ${fmt(EVENTS)} events in ${pub.seconds.toFixed(1)} s (${fmt(EVENTS / pub.seconds)}/s)`);
    out.push(['publish (async, 2000 in flight)', `${fmt(EVENTS / pub.seconds)} ev/s`, '']);

    const catchUps: number[] = [];
    for (let r = 0; r < REPEAT; r++) {
      catchUps.push(await projectorCatchUp(cfg, pub.lastSeq));
      console.error(`projector catch-up ${r + 1}/${REPEAT}: ${(EVENTS / catchUps[r]!).toFixed(0)} events/s`);
    }
    const projRate = EVENTS / median(catchUps);

    // The equivalent rows, in stream order.
    const info = resourceByPlural('pods')!;
    const rows: ObjectRow[] = [];
    const replayGen = podEvents();
    for (let i = 0; i < EVENTS; i++) rows.push(toRow(info, replayGen.next().value!.object, i + 1));
    const raws: number[] = [];
    for (let r = 0; r < REPEAT; r++) raws.push(await rawUpserts(cfg, rows));
    const rawRate = EVENTS / median(raws);
    out.push([`projector catch-up (${fmt(EVENTS)} events, median of ${REPEAT})`, `${fmt(projRate)} ev/s`, '']);
    out.push(['raw PG upsert, 500 rows/stmt + rv guard', `${fmt(rawRate)} rows/s`, '']);
    out.push(['  projector / raw upsert', '', `${(projRate / rawRate).toFixed(2)}x`]);

    // Grow the stream for the replay.
    let lastSeq = pub.lastSeq;
    if (REPLAY_EVENTS > EVENTS) {
      const more = await publish(el, gen, REPLAY_EVENTS - EVENTS);
      lastSeq = more.lastSeq;
      console.error(`published up to ${fmt(REPLAY_EVENTS)} events`);
    }
    const reads: number[] = [];
    for (let r = 0; r < REPEAT; r++) reads.push(await rawRead(el, lastSeq));
    const readRate = REPLAY_EVENTS / median(reads);
    const rep = await replay(cfg, {
      log: createLogger('bench', 'warn'),
      onProgress: (p) => process.stderr.write(`\rreplay ${((100 * p.done) / Math.max(1, p.total)).toFixed(0)}% ${fmt(p.eventsPerSec)} ev/s   `),
    });
    process.stderr.write('\n');
    out.push([`full replay (${fmt(rep.events)} events, build + swap)`, `${rep.seconds.toFixed(1)} s`, '']);
    out.push(['  replay rate', `${fmt(rep.events / rep.seconds)} ev/s`, '']);
    out.push(['raw ordered-consumer read, no processing', `${fmt(readRate)} ev/s`, '']);
    out.push(['  replay / raw read', '', `${(rep.events / rep.seconds / readRate).toFixed(2)}x`]);
    out.push(['  replay target: < 60 s', rep.seconds < 60 ? 'met' : 'MISSED', '']);
  } finally {
    await el.close();
    await dropPrefix(cfg);
  }
  const w0 = Math.max(...out.map((r) => r[0].length));
  const w1 = Math.max(...out.map((r) => r[1].length));
  console.log(`\n${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  ratio`);
  for (const [a, b, c] of out) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
}

await main();
process.exit(0);
