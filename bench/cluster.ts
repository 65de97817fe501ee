/**
 * What the benchmarks that run every service as its own process share (bench:scale, bench:jobs):
 * an isolated prefix and ports, the processes (their relists, errors, last log lines, RSS and CPU),
 * readiness waits, cleanup of processes, stream and schema (also on Ctrl-C), and a small HTTP
 * client (retrying overload answers), a bounded pool and a raw watch through the gateway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../shared/config.js';
import { dropPrefix, uniquePrefix } from '../test/harness.js';
import { envFor, JETKUBE } from '../test/e2e/cli.js';

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  relists: number;
  errors: number;
  tail: string[];
  peakRss: number;
  rss: number;
  /** User + system CPU seconds so far. */
  cpu: number;
}

/** A cluster of processes for the benchmark `tag` (its prefix and its log lines' tag). */
export function benchCluster(tag: string) {
  const basePort = 23000 + Math.floor(Math.random() * 5000) * 4;
  const prefix = uniquePrefix(tag);
  const cfg = loadConfig({ ...process.env, JETKUBE_PREFIX: prefix, PORT: String(basePort), LOG_LEVEL: 'warn' });
  const base = `http://127.0.0.1:${basePort}`;
  const log = (msg: string) => process.stderr.write(`[${tag} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Every process's output, kept after the run (the stream and schema are not) for a post-mortem. */
  const logDir = join(tmpdir(), `bench-${prefix}`);
  mkdirSync(logDir, { recursive: true });
  log(`process logs in ${logDir}`);

  // ------------------------------------------------------------------------------------ processes

  const procs: Proc[] = [];

  /** `nodeArgs`: options for node itself (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  function startProc(name: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Proc {
    // Plain HTTP, asked for (JETKUBE_AUTH=off): the figures stay comparable with earlier runs, and components need no kubeconfigs.
    const child = spawn(process.execPath, [...nodeArgs, JETKUBE, ...args], { env: { ...envFor(cfg), LEADER_ELECT: 'false', JETKUBE_AUTH: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const p: Proc = { name, child, relists: 0, errors: 0, tail: [], peakRss: 0, rss: 0, cpu: 0 };
    let buf = '';
    const file = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    child.once('exit', () => file.end());
    const onData = (d: Buffer) => {
      file.write(d);
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        // The informers' relist messages: "stream was reset; relisting", "… compacted; relisting".
        if (line.includes('relisting')) p.relists++;
        if (line.includes('"level":50') || line.includes('"level":60')) p.errors++;
        p.tail.push(line.slice(0, 400));
        if (p.tail.length > 20) p.tail.shift();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    procs.push(p);
    return p;
  }

  function rssOf(pid: number | undefined): number {
    if (!pid) return 0;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  function cpuOf(pid: number | undefined): number {
    if (!pid) return 0;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return 0;
    }
  }

  function sampleRss(): void {
    for (const p of procs) {
      const cpu = cpuOf(p.child.pid);
      if (cpu) p.cpu = cpu;
      p.rss = rssOf(p.child.pid);
      p.peakRss = Math.max(p.peakRss, p.rss);
    }
  }

  async function waitReady(url: string, p: Proc, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (p.child.exitCode !== null) throw new Error(`${p.name} exited ${p.child.exitCode}:\n${p.tail.join('\n')}`);
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        /* not yet */
      }
      await sleep(200);
    }
    throw new Error(`${p.name} not ready at ${url}:\n${p.tail.join('\n')}`);
  }

  let cleaning: Promise<void> | undefined;
  function cleanup(): Promise<void> {
    cleaning ??= (async () => {
      await Promise.all(
        procs.map(async (p) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return;
          const exited = new Promise((r) => p.child.once('exit', r));
          p.child.kill('SIGTERM');
          const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(t);
        }),
      );
      await dropPrefix(cfg).catch((e) => log(`dropping prefix ${prefix} failed: ${String(e)}`));
    })();
    return cleaning;
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`${sig}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  // ------------------------------------------------------------------------------------ HTTP

  async function req(method: string, path: string, body?: unknown): Promise<any> {
    for (let attempt = 0; ; attempt++) {
      const r = await fetch(base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (r.ok) return await r.json();
      const text = await r.text();
      // Overload answers (429/503) are retried, as client-go does.
      if ((r.status === 429 || r.status === 503 || r.status === 504) && attempt < 20) {
        await sleep(200 * (attempt + 1));
        continue;
      }
      throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
    }
  }

  /** Run `fn` over 0..n-1 with `inFlight` at a time. */
  async function pool(n: number, inFlight: number, fn: (i: number) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(inFlight, n) }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }));
  }

  /**
   * A watch through the gateway; `onLine` gets each raw event line (the caller decides how much of
   * it to parse). Ends when `signal` aborts.
   */
  function watch(path: string, signal: AbortSignal, onLine: (line: string, at: number) => void): Promise<void> {
    return (async () => {
      const res = await fetch(base + path, { signal });
      if (!res.ok) throw new Error(`watch ${path}: ${res.status}`);
      const dec = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const at = Date.now();
        buf += dec.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          onLine(buf.slice(0, i), at);
          buf = buf.slice(i + 1);
        }
      }
    })().catch((e) => {
      if (!signal.aborted) log(`watch ${path} ended: ${String(e)}`);
    });
  }

  return { prefix, cfg, base, basePort, log, sleep, procs, startProc, sampleRss, waitReady, cleanup, req, pool, watch };
}
