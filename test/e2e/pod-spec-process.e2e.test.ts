/**
 * Pod spec fields the kubelet acts on, on the process runtime, as a user sees them. Lifecycle
 * hooks: postStart runs beside the new container (its failure kills it, with FailedPostStartHook),
 * preStop runs before SIGTERM when the pod is deleted. securityContext: what the runtime honours shows inside
 * the container (its uid, groups, capability bounding set, no_new_privs); what it can't honour, or a
 * runAsNonRoot breach, leaves the container waiting in CreateContainerConfigError with a Failed
 * event saying why. Nothing is accepted and ignored.
 */
import { after, before, describe, it } from 'node:test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { startProcessCluster, type ProcessCluster } from './cluster.js';
import { DEFAULT_CAPABILITIES } from '../../services/kubelet/security-context.js';

const CORE = '/api/v1/namespaces/default';
const isRoot = process.getuid?.() === 0;

const podWith = (name: string, sc: Record<string, unknown>, podSc: Record<string, unknown> = {}, script = 'id -u; id -G; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    restartPolicy: 'Never',
    securityContext: podSc,
    containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', script], securityContext: sc }],
  },
});

/** The capability names in a CapBnd hex mask (bit numbers as in linux/capability.h). */
const CAP_BITS: Record<string, number> = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7, SETPCAP: 8, LINUX_IMMUTABLE: 9,
  NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13, IPC_LOCK: 14, IPC_OWNER: 15, SYS_MODULE: 16, SYS_RAWIO: 17,
  SYS_CHROOT: 18, SYS_PTRACE: 19, SYS_PACCT: 20, SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23, SYS_RESOURCE: 24, SYS_TIME: 25,
  SYS_TTY_CONFIG: 26, MKNOD: 27, LEASE: 28, AUDIT_WRITE: 29, AUDIT_CONTROL: 30, SETFCAP: 31,
};
const mask = (caps: readonly string[]) => caps.reduce((m, c) => m | (1n << BigInt(CAP_BITS[c]!)), 0n);

describe('lifecycle hooks and securityContext on the process runtime', { timeout: 240_000 }, () => {
  let c: ProcessCluster;
  const dir = mkdtempSync(join(tmpdir(), 'jetkube-hooks-'));
  before(async () => {
    c = await startProcessCluster('podspec', 1);
  });
  after(async () => {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const logOf = async (name: string) => {
    await eventually(`${name} finished`, async () => (await api(c.base, 'GET', `${CORE}/pods/${name}`)).body.status?.phase === 'Succeeded', 60_000, 300);
    return fetch(`${c.base}${CORE}/pods/${name}/log`).then((r) => r.text());
  };

  const configError = async (name: string) => {
    const waiting = await eventually(`${name} in CreateContainerConfigError`, async () => {
      const w = (await api(c.base, 'GET', `${CORE}/pods/${name}`)).body.status?.containerStatuses?.[0]?.state?.waiting;
      return w?.reason === 'CreateContainerConfigError' && w;
    }, 60_000, 300);
    const events = (await api(c.base, 'GET', `${CORE}/events?fieldSelector=involvedObject.name%3D${name}`)).body.items;
    assert.ok(events.some((e: any) => e.reason === 'Failed' && e.type === 'Warning' && e.message === `Error: ${waiting.message}`), JSON.stringify(events.map((e: any) => [e.reason, e.message])));
    return waiting.message as string;
  };

  it('runs as the uid, group and supplementary groups asked for, with the default capabilities and no_new_privs', { skip: !isRoot && 'the kubelet must run as root to switch users' }, async () => {
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, podWith('who', { runAsUser: 1000, runAsGroup: 3000, allowPrivilegeEscalation: false }, { supplementalGroups: [4000] }))).status, 201);
    const lines = (await logOf('who')).trim().split('\n');
    assert.equal(lines[0], '1000');
    assert.deepEqual(lines[1]!.split(' ').sort(), ['3000', '4000']);
    assert.equal(BigInt(`0x${lines.find((l) => l.startsWith('CapBnd'))!.split(/\s+/)[1]}`), mask(DEFAULT_CAPABILITIES));
    assert.match(lines.find((l) => l.startsWith('NoNewPrivs'))!, /NoNewPrivs:\s+1/);
  });

  it('capabilities: drop ALL and add NET_BIND_SERVICE leaves exactly that one', { skip: !isRoot && 'a kubelet that is not root grants none' }, async () => {
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, podWith('caps', { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }))).status, 201);
    const line = (await logOf('caps')).split('\n').find((l) => l.startsWith('CapBnd'))!;
    assert.equal(BigInt(`0x${line.split(/\s+/)[1]}`), mask(['NET_BIND_SERVICE']));
  });

  it('runAsNonRoot with no runAsUser under a root kubelet: CreateContainerConfigError with Kubernetes\' message', { skip: !isRoot && 'runs as the kubelet, which is not root' }, async () => {
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, podWith('nonroot', { runAsNonRoot: true }))).status, 201);
    const uid = (await api(c.base, 'GET', `${CORE}/pods/nonroot`)).body.metadata.uid;
    assert.equal(await configError('nonroot'), `container has runAsNonRoot and image will run as root (pod: "nonroot_default(${uid})", container: c)`);
  });

  it('what the runtime can\'t honour is refused, naming the field', async () => {
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, podWith('rofs', { readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } }))).status, 201);
    assert.equal(
      await configError('rofs'),
      'the process runtime cannot honour securityContext.seccompProfile.type RuntimeDefault (no seccomp filter), securityContext.readOnlyRootFilesystem (a process has no root filesystem of its own)',
    );
  });

  it('postStart runs beside the new container: it sees the file the hook wrote', async () => {
    const p = podWith('hooked', {}, {}, 'while [ ! -f hook ]; do sleep 0.1; done; cat hook');
    (p.spec.containers[0] as any).lifecycle = { postStart: { exec: { command: ['sh', '-c', 'echo started > hook'] } } };
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, p)).status, 201);
    assert.equal((await logOf('hooked')).trim(), 'started');
  });

  it('a failing postStart kills the container with FailedPostStartHook and Kubernetes\' message', async () => {
    const p = podWith('badhook', {}, {}, 'while true; do sleep 0.2; done');
    (p.spec.containers[0] as any).lifecycle = { postStart: { exec: { command: ['sh', '-c', 'exit 3'] } } };
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, p)).status, 201);
    const uid = (await api(c.base, 'GET', `${CORE}/pods/badhook`)).body.metadata.uid;
    const ev = await eventually('FailedPostStartHook', async () => {
      const items = (await api(c.base, 'GET', `${CORE}/events?fieldSelector=involvedObject.name%3Dbadhook`)).body.items;
      return items.find((e: any) => e.reason === 'FailedPostStartHook');
    }, 60_000, 300);
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, new RegExp(`^Exec lifecycle hook \\(\\[sh -c exit 3\\]\\) for Container "c" in Pod "badhook_default\\(${uid}\\)" failed - error: command 'sh -c exit 3' exited with 3: `));
    await eventually('the pod failed: SIGTERM ended it (restartPolicy Never)', async () => (await api(c.base, 'GET', `${CORE}/pods/badhook`)).body.status?.phase === 'Failed', 60_000, 300);
  });

  it('preStop runs before the SIGTERM of a deleted pod', async () => {
    const done = join(dir, 'done');
    const order = join(dir, 'order');
    const p = podWith('drain', {}, {}, `trap 'if [ -f ${done} ]; then echo after-prestop > ${order}; fi; exit 0' TERM; while true; do sleep 0.2; done`);
    (p.spec.containers[0] as any).lifecycle = { preStop: { exec: { command: ['sh', '-c', `sleep 1; echo bye > ${done}`] } } };
    assert.equal((await api(c.base, 'POST', `${CORE}/pods`, p)).status, 201);
    await eventually('drain running', async () => (await api(c.base, 'GET', `${CORE}/pods/drain`)).body.status?.phase === 'Running', 60_000, 300);
    assert.equal((await api(c.base, 'DELETE', `${CORE}/pods/drain`)).status, 200);
    await eventually('drain gone', async () => (await api(c.base, 'GET', `${CORE}/pods/drain`)).status === 404, 60_000, 300);
    assert.ok(existsSync(done), 'the preStop hook ran');
    assert.equal(readFileSync(order, 'utf8').trim(), 'after-prestop', 'SIGTERM came after the hook');
  });
});
