/**
 * jkctl (the compiled binary, a child process) with custom kinds: it discovers them through the
 * API (/apis, then the CRDs) as kubectl does, so `apply -f`, `get <plural>` (the CRD's printer
 * columns), short names, `-o name`, `describe`, `scale` and `delete -f` work for a CronTab as for a
 * built-in kind; an update is a JSON merge patch (custom resources take no strategic merge patch).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';
import { JKCTL, run } from './cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CT = '/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object';

describe('jkctl and custom kinds', { timeout: 120_000 }, () => {
  let s: Stack;
  let dir: string;
  const jkctl = (...args: string[]) => run(process.execPath, [JKCTL, '--server', s.url, ...args], { ...process.env });
  const ok = async (...args: string[]) => {
    const r = await jkctl(...args);
    assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    s = await startStack('jkcrd');
    dir = await mkdtemp(join(tmpdir(), 'jk-jkcrd-'));
  });
  after(async () => {
    await s?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    unserveCrd('crontabs.stable.example.com');
  });

  it('an unknown kind before the CRD, then apply, get, describe, scale and delete of a custom resource', async () => {
    const before = await jkctl('get', 'crontabs');
    assert.equal(before.code, 1);
    assert.match(before.stderr, /the server doesn't have a resource type "crontabs"/);

    assert.match(await ok('apply', '-f', join(ROOT, 'examples/crd.yaml')), /customresourcedefinition\.apiextensions\.k8s\.io\/crontabs\.stable\.example\.com created/);
    await eventually('CronTab served', async () => (await api(s.url, 'GET', '/apis/stable.example.com/v1/crontabs')).status === 200);

    const manifest = join(ROOT, 'examples/crd/crontab.yaml');
    assert.equal(await ok('apply', '-f', manifest), 'crontab.stable.example.com/my-new-cron-object created\n');
    assert.equal(await ok('apply', '-f', manifest), 'crontab.stable.example.com/my-new-cron-object unchanged\n');
    const changed = join(dir, 'crontab.yaml');
    await writeFile(changed, 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: my-new-cron-object\nspec:\n  cronSpec: "*/10 * * * *"\n  replicas: 2\n');
    assert.equal(await ok('apply', '-f', changed), 'crontab.stable.example.com/my-new-cron-object configured\n');
    const live = (await api(s.url, 'GET', CT)).body;
    assert.deepEqual(live.spec, { cronSpec: '*/10 * * * *', replicas: 2 }, 'the field the new manifest drops (image) is removed');

    const table = (await ok('get', 'crontabs')).trim().split('\n');
    assert.deepEqual(table[0]!.split(/\s{2,}/), ['NAME', 'SPEC', 'REPLICAS', 'AGE']);
    assert.deepEqual(table[1]!.split(/\s{2,}/).slice(0, 3), ['my-new-cron-object', '*/10 * * * *', '2']);
    assert.equal(await ok('get', 'ct', 'my-new-cron-object', '-o', 'name'), 'crontab.stable.example.com/my-new-cron-object\n');
    assert.equal(await ok('get', 'crontab.stable.example.com/my-new-cron-object', '-o', 'name'), 'crontab.stable.example.com/my-new-cron-object\n');
    assert.equal(JSON.parse(await ok('get', 'crontabs', 'my-new-cron-object', '-o', 'json')).spec.replicas, 2);

    const described = await ok('describe', 'crontab', 'my-new-cron-object');
    assert.match(described, /^Name:\s+my-new-cron-object$/m);
    assert.match(described, /^Namespace:\s+default$/m);
    assert.match(described, /cronSpec: "\*\/10 \* \* \* \*"/);

    assert.match(await ok('scale', 'crontab/my-new-cron-object', '--replicas=3'), /crontab\.stable\.example\.com\/my-new-cron-object scaled/);
    assert.equal((await api(s.url, 'GET', CT)).body.spec.replicas, 3);

    assert.equal(await ok('delete', '-f', changed), 'crontab.stable.example.com "my-new-cron-object" deleted\n');
    const empty = await jkctl('get', 'crontabs');
    assert.equal(empty.code, 0);
    assert.equal(empty.stderr, 'No resources found in default namespace.\n');
  });
});
