/**
 * The history API's latency in a cluster of 10,000 objects with an hour of changes, next to plain
 * gets and lists of the same gateway measured in the same run.
 *
 *   npm run bench:history   (BENCH_OBJECTS=10000, BENCH_HOT=100, BENCH_HOT_REVISIONS=60,
 *                            BENCH_HOUR_EVENTS=3600, BENCH_SAMPLES=200)
 *
 * 1. Publish BENCH_OBJECTS ConfigMaps (about 1 KB each) over 20 namespaces, then BENCH_HOT_REVISIONS
 *    modifications of each of BENCH_HOT "hot" objects, then "the hour": BENCH_HOUR_EVENTS events
 *    (modifications, 5% creations, 5% deletions) on random objects. Published straight to the log
 *    (no admission), projected by the real projector, served by the real gateway (in process).
 * 2. The hour is synthetic: the stream's timestamps are real (the events take seconds to publish),
 *    so the mirror's `time` column of the hour's events is spread evenly over one hour ending now
 *    (one SQL update, documented here); the changes query then asks for that hour by time.
 * 3. Figures: p50/p99 of BENCH_SAMPLES sequential requests each, after a warm-up. BENCH_KEEP=1 keeps
 *    the stream and schema afterwards (to look at query plans); drop them yourself then.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { loadConfig, schemaName } from '../shared/config.js';
import { createLogger } from '../shared/log.js';
import { EventLog, encodeEnvelope } from '../shared/eventlog/index.js';
import type { EventType, KObject } from '../shared/resources/meta.js';
import { createDb, readCheckpoint } from '../shared/db/index.js';
import { startProjector } from '../services/projector/index.js';
import { startGateway } from '../services/gateway/index.js';
import { dropPrefix } from '../test/harness.js';
import { freePort } from '../test/private-nats.js';
import { percentile, printTable } from './report.js';

const OBJECTS = intEnv('BENCH_OBJECTS', 10_000);
const HOT = intEnv('BENCH_HOT', 100);
const HOT_REVISIONS = intEnv('BENCH_HOT_REVISIONS', 60);
const HOUR_EVENTS = intEnv('BENCH_HOUR_EVENTS', 3_600);
const SAMPLES = intEnv('BENCH_SAMPLES', 200);
const NAMESPACES = 20;

function intEnv(name: string, dflt: number): number {
  const v = process.env[name];
  const n = v ? Number(v) : dflt;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

let rnd = 42;
const random = () => ((rnd = (rnd * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = (n: number) => Math.floor(random() * n);

const nsOf = (i: number) => `ns-${i % NAMESPACES}`;
const nameOf = (i: number) => `cfg-${i.toString(36).padStart(4, '0')}`;

function configMap(i: number, version: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: nameOf(i),
      namespace: nsOf(i),
      uid: `9c1e${i.toString(16).padStart(8, '0')}-4b2a-4f1e-8d3c-2a1b0c9d8e7f`,
      creationTimestamp: '2026-12-06T10:00:00Z',
      labels: { app: `app-${i % 250}`, tier: i % 3 ? 'backend' : 'frontend' },
    },
    data: {
      version: String(version),
      'settings.yaml': `replicas: ${version % 7}\nlog: info\nfeature-${i % 13}: on\n${'padding: x\n'.repeat(60)}`,
    },
  };
}

async function main(): Promise<void> {
  const cfg = loadConfig(process.env, { prefix: `bench_hist_${randomBytes(3).toString('hex')}`, logLevel: 'warn', port: await freePort() });
  const logger = createLogger('bench', 'warn');
  const el = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject, name: 'bench' });
  const projector = await startProjector(cfg, logger);
  const gateway = await startGateway(cfg, logger);
  const db = createDb(cfg.databaseUrl, schemaName(cfg.prefix), { max: 2 });
  const base = gateway.url;
  try {
    // ---- the cluster ----
    const versions = new Array<number>(OBJECTS).fill(0);
    const alive = new Array<boolean>(OBJECTS).fill(true);
    let pending: Promise<{ seq: number }>[] = [];
    let lastSeq = 0;
    const flush = async () => {
      for (const a of await Promise.all(pending)) lastSeq = Math.max(lastSeq, a.seq);
      pending = [];
    };
    const publish = async (i: number, type: EventType) => {
      if (type !== 'DELETED') versions[i]!++;
      const o = configMap(i, versions[i]!);
      pending.push(el.js.publish(el.subjectFor('configmaps', o.metadata.namespace, o.metadata.name!), encodeEnvelope(type, o)));
      if (pending.length >= 1000) await flush();
    };
    const t0 = performance.now();
    for (let i = 0; i < OBJECTS; i++) await publish(i, 'ADDED');
    for (let r = 0; r < HOT_REVISIONS; r++) for (let h = 0; h < HOT; h++) await publish(h, 'MODIFIED');
    await flush();
    const hourFrom = lastSeq;
    let added = OBJECTS;
    for (let e = 0; e < HOUR_EVENTS; e++) {
      const roll = random();
      if (roll < 0.05) {
        versions.push(0);
        alive.push(true);
        await publish(added++, 'ADDED');
      } else {
        let i = pick(added);
        while (!alive[i]) i = pick(added);
        if (roll < 0.1 && i >= HOT) {
          alive[i] = false;
          await publish(i, 'DELETED');
        } else await publish(i, 'MODIFIED');
      }
    }
    await flush();
    const hourTo = lastSeq;
    console.error(`published ${lastSeq.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (;;) {
      if ((await readCheckpoint(db)) >= lastSeq) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.error(`projected in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The synthetic hour: the hour's events spread evenly over the hour ending now.
    const end = new Date();
    const start = new Date(end.getTime() - 3_600_000);
    await sql`update events set time = ${start}::timestamptz + ((sequence - ${hourFrom})::float8 / ${hourTo - hourFrom} * interval '1 hour')
      where sequence > ${hourFrom} and sequence <= ${hourTo}`.execute(db);
    await sql`update events set time = ${start}::timestamptz - interval '1 second' where sequence <= ${hourFrom}`.execute(db);
    await sql`analyze events`.execute(db);

    // ---- measurements ----
    const time = async (label: string, path: () => string, n = SAMPLES): Promise<string[]> => {
      const ms: number[] = [];
      let bytes = 0;
      for (let k = 0; k < n + 5; k++) {
        const t = performance.now();
        const r = await fetch(base + path());
        const body = await r.arrayBuffer();
        if (!r.ok) throw new Error(`${label}: ${r.status} ${Buffer.from(body).toString().slice(0, 300)}`);
        if (k >= 5) {
          ms.push(performance.now() - t);
          bytes += body.byteLength;
        }
      }
      ms.sort((a, b) => a - b);
      return [label, `${percentile(ms, 50).toFixed(1)} ms`, `${percentile(ms, 99).toFixed(1)} ms`, `${Math.round(bytes / n / 1024)} KB`];
    };
    const H = '/apis/history.jetkube.io/v1';
    const any = () => pick(OBJECTS);
    const anyAlive = () => {
      let i = pick(added);
      while (!alive[i]) i = pick(added);
      return i;
    };
    const rows: string[][] = [['request', 'p50', 'p99', 'body']];
    rows.push(await time('baseline: GET one configmap', () => { const i = anyAlive(); return `/api/v1/namespaces/${nsOf(i)}/configmaps/${nameOf(i)}`; }));
    rows.push(await time('baseline: LIST one namespace (~500 configmaps)', () => `/api/v1/namespaces/${nsOf(any())}/configmaps`, 50));
    rows.push(await time(`history of a hot object (${HOT_REVISIONS + 1}+ revisions, objects + summaries)`, () => { const i = pick(HOT); return `${H}/namespaces/${nsOf(i)}/revisions?kind=cm&name=${nameOf(i)}`; }));
    rows.push(await time('history of any object', () => { const i = any(); return `${H}/namespaces/${nsOf(i)}/revisions?kind=cm&name=${nameOf(i)}`; }));
    rows.push(await time('diff of a hot object, last change', () => { const i = pick(HOT); return `${H}/namespaces/${nsOf(i)}/diffs?kind=cm&name=${nameOf(i)}`; }));
    const hour = `from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(end.toISOString())}`;
    rows.push(await time('changes of the hour, whole cluster, metadata only (diffs=false)', () => `${H}/changes?${hour}&diffs=false`, 20));
    rows.push(await time('changes of the hour, first page of 500 with diffs', () => `${H}/changes?${hour}&limit=500`, 20));
    rows.push(await time('changes of the hour, one namespace, with diffs', () => `${H}/namespaces/${nsOf(any())}/changes?${hour}`, 20));
    // The whole hour with diffs, every page.
    const whole: number[] = [];
    let touched = 0;
    for (let k = 0; k < 6; k++) {
      const t = performance.now();
      let cont = '';
      touched = 0;
      do {
        const r = (await (await fetch(`${base}${H}/changes?${hour}&limit=500${cont ? `&continue=${cont}` : ''}`)).json()) as { metadata: { continue?: string }; items: unknown[] };
        touched += r.items.length;
        cont = r.metadata.continue ?? '';
      } while (cont);
      if (k > 0) whole.push(performance.now() - t);
    }
    whole.sort((a, b) => a - b);
    rows.push([`changes of the hour, whole cluster with diffs, all pages (${touched} objects)`, `${percentile(whole, 50).toFixed(0)} ms`, `${whole[whole.length - 1]!.toFixed(0)} ms (max of 5)`, '']);
    printTable(
      `history API: ${added.toLocaleString('en-US')} objects, ${lastSeq.toLocaleString('en-US')} events, an hour of ${HOUR_EVENTS.toLocaleString('en-US')} events (sequences ${hourFrom + 1}-${hourTo})`,
      rows,
    );
  } finally {
    await db.destroy();
    await gateway.close().catch(() => undefined);
    await projector.close().catch(() => undefined);
    await el.close();
    if (process.env.BENCH_KEEP) console.error(`kept prefix ${cfg.prefix} (BENCH_KEEP)`);
    else await dropPrefix(cfg);
  }
}

await main();
process.exit(0);
