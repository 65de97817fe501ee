/**
 * kubectl 1.32 against CustomResourceDefinitions: `apply -f examples/crd.yaml`, a custom resource
 * applied, `get` with the CRD's printer columns, `explain`, `scale`, server-side validation and
 * pruning seen through kubectl, and `delete crd` taking the objects with it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api } from '../stack.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CTS = '/apis/stable.example.com/v1/namespaces/default/crontabs';

describe('kubectl and CustomResourceDefinitions', { skip: KUBECTL_SKIP, timeout: 180_000 }, () => {
  after(() => unserveCrd('crontabs.stable.example.com'));
  const suite = kubectlSuite('kcrd');

  it('apply a CRD and a custom resource, get with printer columns, explain, scale, delete crd', async () => {
    const crd = await suite.kubectl('apply', '-f', join(ROOT, 'examples/crd.yaml'));
    assert.equal(crd.code, 0, crd.stderr);
    assert.match(crd.stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/crontabs\.stable\.example\.com created/);
    const waited = await suite.kubectl('wait', '--for', 'condition=established', '--timeout=60s', 'crd/crontabs.stable.example.com');
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stdout, /customresourcedefinition\.apiextensions\.k8s\.io\/crontabs\.stable\.example\.com condition met/);

    const cr = await suite.kubectl('apply', '-f', join(ROOT, 'examples/crd/crontab.yaml'));
    assert.equal(cr.code, 0, cr.stderr);
    assert.match(cr.stdout, /crontab\.stable\.example\.com\/my-new-cron-object created/);
    const again = await suite.kubectl('apply', '-f', join(ROOT, 'examples/crd/crontab.yaml'));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /unchanged/);

    const get = await suite.kubectl('get', 'crontabs');
    assert.equal(get.code, 0, get.stderr);
    const [head, row] = get.stdout.trim().split('\n');
    assert.deepEqual(head!.split(/\s{2,}/), ['NAME', 'SPEC', 'REPLICAS', 'AGE']);
    assert.deepEqual(row!.split(/\s{2,}/).slice(0, 3), ['my-new-cron-object', '* * * * */5', '1']);
    assert.equal((await suite.kubectl('get', 'ct', 'my-new-cron-object', '-o', 'name')).stdout.trim(), 'crontab.stable.example.com/my-new-cron-object');

    const explain = await suite.kubectl('explain', 'crontabs.spec');
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /cronSpec/);
    assert.match(explain.stdout, /replicas/);

    const v2 = await suite.kubectl('explain', 'crontabs.spec', '--output', 'plaintext-openapiv2');
    assert.equal(v2.code, 0, v2.stderr);
    assert.match(v2.stdout, /cronSpec/);

    const bad = join(suite.dir, 'bad.yaml');
    await writeFile(bad, 'apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: bad\nspec:\n  cronSpec: "* * * *"\n  replicas: 20\n');
    const refused = await suite.kubectl('apply', '-f', bad);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /spec\.replicas: Invalid value: 20: spec\.replicas in body should be less than or equal to 10/);

    const scaled = await suite.kubectl('scale', 'crontab', 'my-new-cron-object', '--replicas=3');
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /scaled/);
    assert.equal((await api(suite.stack.url, 'GET', `${CTS}/my-new-cron-object`)).body.spec.replicas, 3);

    const del = await suite.kubectl('delete', 'crd', 'crontabs.stable.example.com');
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /deleted/);
    await eventually('crontabs gone', async () => (await api(suite.stack.url, 'GET', CTS)).status === 404);
  });
});
