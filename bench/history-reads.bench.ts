/**
 * The history API's body reads, three ways in the same run, alternating (the machine is shared:
 * compare medians and ratios):
 *   - direct gets, 32 in flight (the history API's reads before this bench),
 *   - direct gets, all in flight at once,
 *   - one ordered consumer filtered on the subject (one object's revisions only).
 * Two workloads: the 61 revisions of one hot object, and 1,000 scattered sequences of 1,000
 * objects (what one page of changes with diffs reads). nats-server 2.9 has no batched direct get.
 *
 *   npm run bench:history-reads   (BENCH_SAMPLES=100)
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../shared/config.js';
import { EventLog, encodeEnvelope } from '../shared/eventlog/index.js';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { KObject } from '../shared/resources/meta.js';
import { dropPrefix } from '../test/harness.js';
import { median, percentile, printTable } from './report.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const OBJECTS = 5_000;
const HOT_REVISIONS = 61;

const cm = (i: number, v: number): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `cfg-${i}`, namespace: `ns-${i % 20}`, uid: `u-${i}` },
  data: { version: String(v), 'settings.yaml': 'padding: x\n'.repeat(80) },
});

/**
 * One object's revisions in one pass: an ordered consumer filtered on its subject, from the oldest
 * sequence wanted to the newest (the subject's newest message is always kept, so the loop ends).
 */
const READ_TIMEOUT_MS = 10_000;

interface RangeMsg {
  readonly seq: number;
  readonly subject: string;
  readonly time: Date;
  readonly data: Uint8Array;
  readonly header: MsgHdrs | undefined;
}

/** The messages of `subject` whose sequences are in `seqs` (those still held), keyed by sequence. */
async function readSubjectSeqs(log: EventLog, subject: string, seqs: readonly number[]): Promise<Map<number, RangeMsg>> {
  const out = new Map<number, RangeMsg>();
  if (seqs.length === 0) return out;
  const want = new Set(seqs);
  const from = Math.min(...seqs);
  const to = Math.max(...seqs);
  const consumer = await log.js.consumers.get(log.stream, { filter_subjects: subject, opt_start_seq: from });
  const messages = await consumer.consume({ max_messages: Math.min(1024, Math.max(16, seqs.length)) });
  // The subject's newest message is always kept, so the loop ends on it at the latest; a stream
  // that lost it (dropped under us) must not hang the reader.
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    void messages.close().catch(() => undefined);
  }, READ_TIMEOUT_MS);
  try {
    for await (const m of messages) {
      if (m.seq > to) break;
      if (want.has(m.seq)) out.set(m.seq, { seq: m.seq, subject: m.subject, time: m.time, data: m.data, header: m.headers });
      if (m.seq === to || m.info.pending === 0) break;
    }
  } finally {
    clearTimeout(watchdog);
    await messages.close().catch(() => undefined);
  }
  if (timedOut) throw new Error(`reading ${subject} from ${from} to ${to}: no end after ${READ_TIMEOUT_MS} ms`);
  return out;
}

async function directGets(log: EventLog, seqs: readonly number[], concurrency: number): Promise<number> {
  let next = 0;
  let got = 0;
  const worker = async () => {
    while (next < seqs.length) {
      const s = seqs[next++]!;
      if (await log.getRawBySeq(s)) got++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, seqs.length) }, worker));
  return got;
}

async function main(): Promise<void> {
  const cfg = loadConfig(process.env, { prefix: `bench_hr_${randomBytes(3).toString('hex')}`, logLevel: 'warn' });
  const log = await EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: 100, name: 'bench' });
  try {
    const objSeqs: number[] = [];
    let pending: Promise<{ seq: number }>[] = [];
    for (let i = 0; i < OBJECTS; i++) {
      pending.push(log.js.publish(log.subjectFor('configmaps', `ns-${i % 20}`, `cfg-${i}`), encodeEnvelope('ADDED', cm(i, 0))));
      if (pending.length >= 500) objSeqs.push(...(await Promise.all(pending)).map((a) => a.seq)), (pending = []);
    }
    objSeqs.push(...(await Promise.all(pending)).map((a) => a.seq));
    const hotSubject = log.subjectFor('configmaps', 'ns-0', 'cfg-0');
    const hotSeqs = [objSeqs[0]!];
    for (let r = 1; r < HOT_REVISIONS; r++) {
      // interleave other objects' writes, as a busy cluster does
      await log.js.publish(log.subjectFor('configmaps', `ns-${r % 20}`, `cfg-${r * 7}`), encodeEnvelope('MODIFIED', cm(r * 7, r)));
      hotSeqs.push((await log.js.publish(hotSubject, encodeEnvelope('MODIFIED', cm(0, r)))).seq);
    }
    const scattered = objSeqs.filter((_, i) => i % 5 === 0).slice(0, 1000);
    const ways: Array<[string, () => Promise<number>]> = [
      [`hot object (${HOT_REVISIONS} revisions): direct gets, 32 in flight`, () => directGets(log, hotSeqs, 32)],
      [`hot object (${HOT_REVISIONS} revisions): direct gets, all in flight`, () => directGets(log, hotSeqs, hotSeqs.length)],
      [`hot object (${HOT_REVISIONS} revisions): one ordered consumer on its subject`, async () => (await readSubjectSeqs(log, hotSubject, hotSeqs)).size],
      [`${scattered.length} scattered sequences: direct gets, 32 in flight`, () => directGets(log, scattered, 32)],
      [`${scattered.length} scattered sequences: direct gets, 128 in flight`, () => directGets(log, scattered, 128)],
      [`${scattered.length} scattered sequences: direct gets, all in flight`, () => directGets(log, scattered, scattered.length)],
    ];
    const ms = ways.map(() => [] as number[]);
    for (let k = 0; k < SAMPLES + 3; k++) {
      for (let w = 0; w < ways.length; w++) {
        const t = performance.now();
        const n = await ways[w]![1]();
        const expected = w < 3 ? hotSeqs.length : scattered.length;
        if (n !== expected) throw new Error(`${ways[w]![0]}: ${n} of ${expected}`);
        if (k >= 3) ms[w]!.push(performance.now() - t);
      }
    }
    const rows: string[][] = [['read', 'p50', 'p99', 'p50 vs first of its group']];
    ms.forEach((xs, w) => {
      xs.sort((a, b) => a - b);
      const base = median(ms[w < 3 ? 0 : 3]!);
      rows.push([ways[w]![0], `${median(xs).toFixed(2)} ms`, `${percentile(xs, 99).toFixed(2)} ms`, `${(median(xs) / base).toFixed(2)}×`]);
    });
    printTable(`body reads, ${SAMPLES} alternating rounds (load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')})`, rows);
  } finally {
    await log.close();
    await dropPrefix(cfg);
  }
}

await main();
process.exit(0);
