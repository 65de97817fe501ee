#!/usr/bin/env node
/**
 * `jkctl`: the project's kubectl. Speaks the Kubernetes API to the gateway (`--server`, else
 * GATEWAY_URL, else http://127.0.0.1:8080) and prints what kubectl prints. This file only wires
 * the commands; each lives in its own module. Errors print like kubectl's and exit 1; usage errors
 * exit 2.
 */
import { Command, CommanderError, Option } from 'commander';
import { action, serverOf, type Ctx } from './context.js';
import { errorLine, exitCodeOf, EXIT_USAGE } from './errors.js';
import { parseBool, parseDuration, parseIntFlag } from './flags.js';
import { parseSingle } from './kinds.js';
import { apply } from './apply.js';
import { get, type GetOptions } from './get.js';
import { describe, type DescribeOptions } from './describe.js';
import { del } from './delete.js';
import { scale } from './scale.js';
import { top, type TopOptions } from './top.js';
import { rolloutHistory, rolloutStatus, rolloutUndo } from './rollout.js';
import { logs } from './logs.js';
import { events, type EventsFlags } from './events.js';
import type { ReplayFlags } from './replay.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const boolOption = (flag: string, description: string, dflt: boolean) =>
  new Option(`--${flag} [bool]`, description).default(dflt).argParser((v: string) => parseBool(v, flag));
const intOption = (flags: string, description: string, dflt: number, min?: number) =>
  new Option(flags, description).default(dflt).argParser((v: string) => parseIntFlag(v, flags.replace(/^.*--([\w-]+).*$/, '$1'), min));

const program = new Command()
  .name('jkctl')
  .description("jetkube's kubectl: manage a jetkube cluster through its gateway")
  .version('0.1.0')
  .option('-s, --server <url>', 'the gateway (default: GATEWAY_URL, else http://127.0.0.1:8080)')
  .option('-n, --namespace <ns>', "the namespace (default: the kubeconfig context's, else default)")
  .option('--kubeconfig <file>', 'the kubeconfig to read (default: KUBECONFIG, else ~/.kube/config)')
  .option('--context <name>', 'the kubeconfig context to use (default: its current-context)')
  .exitOverride();

program
  .command('apply')
  .description('create or update objects from files, directories or stdin (-)')
  .requiredOption('-f, --filename <path>', 'a file, a directory of .yaml/.yml/.json files, or - (repeatable)', collect)
  .action(action((ctx, opts: { filename: string[] }) => apply(ctx, opts.filename), { customKinds: true }));

program
  .command('get')
  .description('print objects as tables, YAML, JSON or names')
  .argument('<kind>', 'KIND[,KIND...] or KIND/NAME')
  .argument('[names...]')
  .option('-A, --all-namespaces', 'every namespace')
  .option('-l, --selector <selector>', 'label selector')
  .option('--field-selector <selector>', 'field selector')
  .option('-o, --output <format>', 'wide, yaml, json or name')
  .option('-w, --watch', 'after the list, print every change')
  .option('--show-labels', 'add a LABELS column')
  .option('--no-headers', 'leave the header line out')
  .action(action((ctx, kind: string, names: string[], opts: GetOptions & { headers: boolean }) => get(ctx, [kind, ...names], { ...opts, noHeaders: !opts.headers }), { customKinds: true }));

program
  .command('describe')
  .description('show an object in detail, with its events')
  .argument('<kind>', 'KIND or KIND/NAME')
  .argument('[names...]')
  .option('-A, --all-namespaces', 'every namespace')
  .option('-l, --selector <selector>', 'label selector')
  .action(action((ctx, kind: string, names: string[], opts: DescribeOptions) => describe(ctx, [kind, ...names], opts), { customKinds: true }));

program
  .command('delete')
  .description('delete objects by name, selector, --all or file')
  .argument('[args...]', 'KIND NAME... or KIND/NAME...')
  .option('-f, --filename <path>', 'delete what these files describe (repeatable)', collect)
  .option('--cascade <policy>', 'background, foreground or orphan', 'background')
  .addOption(intOption('--grace-period <seconds>', 'seconds the object gets to terminate; -1: its own default', -1, -1))
  .option('--now', 'grace period 1: stop at once')
  .addOption(boolOption('wait', 'wait until the objects are gone', true))
  .option('--timeout <duration>', 'how long to wait for each object (0: no limit)', '0s')
  .option('--all', 'every object of the kind in the namespace')
  .option('-l, --selector <selector>', 'label selector')
  .option('--ignore-not-found', 'a missing object is not an error')
  .action(
    action((ctx, args: string[], o: { filename?: string[]; cascade: string; gracePeriod: number; now?: boolean; wait: boolean; timeout: string; all?: boolean; selector?: string; ignoreNotFound?: boolean }) =>
      del(ctx, args, { ...o, timeoutMs: parseDuration(o.timeout, 'timeout') }),
    { customKinds: true }),
  );

program
  .command('scale')
  .description('set the replicas of a Deployment or ReplicaSet')
  .argument('<args...>', 'KIND/NAME or KIND NAME')
  .addOption(new Option('--replicas <n>', 'the new number of replicas').makeOptionMandatory().argParser((v: string) => parseIntFlag(v, 'replicas', 0)))
  .addOption(intOption('--current-replicas <n>', 'only scale if the current replicas are this (-1: any)', -1, -1))
  .action(action((ctx, args: string[], o: { replicas: number; currentReplicas: number }) => scale(ctx, parseSingle(args, 'scale'), o.replicas, o.currentReplicas), { customKinds: true }));

program
  .command('top')
  .description('show cpu and memory of pods or nodes (metrics.k8s.io)')
  .argument('<what>', 'pod or node')
  .argument('[name]')
  .option('-l, --selector <selector>', 'label selector')
  .option('-A, --all-namespaces', 'every namespace (pods)')
  .option('--containers', 'one line per container (pods)')
  .action(action((ctx, what: string, name: string | undefined, o: TopOptions) => top(ctx, what, name, o)));

const rollout = program.command('rollout').description('watch, list and undo Deployment, DaemonSet and StatefulSet rollouts');
rollout
  .command('status')
  .argument('<args...>', 'deploy/NAME or deploy NAME')
  .option('--timeout <duration>', 'give up after this long (0: never)', '0s')
  .addOption(boolOption('watch', 'keep watching until the rollout ends', true))
  .addOption(intOption('--revision <n>', 'fail unless this is the running revision (0: any)', 0, 0))
  .action(
    action((ctx, args: string[], o: { timeout: string; watch: boolean; revision: number }) =>
      rolloutStatus(ctx, parseSingle(args, 'rollout status'), { timeoutMs: parseDuration(o.timeout, 'timeout'), watch: o.watch, revision: o.revision }),
    ),
  );
rollout
  .command('history')
  .argument('<args...>', 'deploy/NAME or deploy NAME')
  .addOption(intOption('--revision <n>', "show this revision's pod template", 0, 0))
  .action(action((ctx, args: string[], o: { revision: number }) => rolloutHistory(ctx, parseSingle(args, 'rollout history'), o.revision)));
rollout
  .command('undo')
  .argument('<args...>', 'deploy/NAME or deploy NAME')
  .addOption(intOption('--to-revision <n>', 'the revision to go back to (0: the previous one)', 0, 0))
  .action(action((ctx, args: string[], o: { toRevision: number }) => rolloutUndo(ctx, parseSingle(args, 'rollout undo'), o.toRevision)));

program
  .command('logs')
  .description("print a pod's container logs")
  .argument('<args...>', 'POD [CONTAINER], pod/NAME, deploy/NAME')
  .option('-c, --container <name>', 'the container (default: the only one)')
  .option('-f, --follow', 'keep printing as the container writes')
  .addOption(intOption('--tail <n>', 'the last N lines only (-1: all)', -1, -1))
  .option('-p, --previous', "the previous (crashed) container's log")
  .option('--timestamps', 'prefix each line with its time')
  .action(action((ctx, args: string[], o: { container?: string; follow?: boolean; tail: number; previous?: boolean; timestamps?: boolean }) => logs(ctx, args, o)));

program
  .command('events')
  .description('list events, oldest first')
  .option('-A, --all-namespaces', 'every namespace')
  .option('--for <kind/name>', 'only events about this object')
  .option('--types <types>', 'Normal, Warning or both (comma separated)')
  .option('-w, --watch', 'after the list, print new events')
  .option('--no-headers', 'leave the header line out')
  .action(action((ctx, o: EventsFlags & { headers: boolean }) => events(ctx, { ...o, noHeaders: !o.headers })));

program
  .command('replay')
  .description('rebuild the projections from the event log (NATS_URL, DATABASE_URL, JETKUBE_PREFIX), with a progress bar')
  .option('--to-seq <n>', 'build the cluster as it was at this sequence into <prefix>_asof_<n>')
  .option('--to-time <iso>', 'build the cluster as it was at this time')
  // Loaded on use: the projector (NATS, Postgres, kysely) would slow every other command's start.
  .action(action(async (ctx: Ctx, o: ReplayFlags) => (await import('./replay.js')).replay(o, ctx.out, process.stderr)));

// `jkctl get pods | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  else {
    process.stderr.write(`${errorLine(e, serverOf(program.opts()))}\n`);
    process.exitCode = exitCodeOf(e);
  }
}
// Keep-alive sockets and replay's connections must not hold the process open once output is written.
process.stdout.write('', () => process.exit(process.exitCode ?? 0));
