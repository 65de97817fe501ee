/**
 * Server-side apply with the real kubectl: `apply --server-side` creates and updates, every write
 * is recorded in managedFields (apply, update, status and scale entries), a field another manager
 * owns is a 409 with Kubernetes' message until `--force-conflicts`, a field the only applier stops
 * applying is removed, and two appliers of different fields both keep theirs. Skipped without kubectl.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';


interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}

describe('kubectl apply --server-side', { skip: KUBECTL_SKIP }, () => {
  const suite = kubectlSuite('kssa');
  const kubectl = suite.kubectl;
  const ssa = async (name: string, yaml: string, ...flags: string[]) => {
    const file = join(suite.dir, name);
    await writeFile(file, yaml);
    return kubectl('apply', '--server-side', '-f', file, ...flags);
  };
  const get = async (kind: string, name: string) => {
    const r = await kubectl('get', kind, name, '-o', 'json', '--show-managed-fields');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { metadata: { managedFields: Entry[]; labels?: Record<string, string> }; data?: Record<string, string>; spec?: { replicas?: number } };
  };
  const owners = (o: { metadata: { managedFields: Entry[] } }) => o.metadata.managedFields.map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);


  const cm = (data: string, labels = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n${labels}data:\n${data}`;

  it('creates with an Apply entry, then records an ordinary update as an Update entry', async () => {
    const r = await ssa('cm.yaml', cm('  a: "1"\n  b: "2"\n'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap\/settings serverside-applied/);
    const first = await get('cm', 'settings');
    assert.deepEqual(owners(first), ['kubectl/Apply']);
    assert.deepEqual(first.metadata.managedFields[0]!.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} } });
    const label = await kubectl('label', 'cm', 'settings', 'team=web');
    assert.equal(label.code, 0, label.stderr);
    const after = await get('cm', 'settings');
    assert.deepEqual(owners(after), ['kubectl/Apply', 'kubectl-label/Update']);
  });

  it('a field the only applier stops applying is removed; one someone else also owns stays', async () => {
    const r = await ssa('cm.yaml', cm('  a: "1"\n'));
    assert.equal(r.code, 0, r.stderr);
    const o = await get('cm', 'settings');
    assert.deepEqual(o.data, { a: '1' });
    assert.deepEqual(o.metadata.labels, { team: 'web' }, 'the label belongs to kubectl-label');
  });

  it('two appliers of different fields both keep theirs', async () => {
    const r = await ssa('other.yaml', cm('  c: "3"\n'), '--field-manager=other');
    assert.equal(r.code, 0, r.stderr);
    const again = await ssa('cm.yaml', cm('  a: "1"\n'));
    assert.equal(again.code, 0, again.stderr);
    const o = await get('cm', 'settings');
    assert.deepEqual(o.data, { a: '1', c: '3' });
    assert.ok(owners(o).includes('other/Apply'));
  });

  it('a different value for a field another manager owns is a conflict until --force-conflicts', async () => {
    const r = await ssa('other2.yaml', cm('  a: "9"\n'), '--field-manager=other');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "kubectl": \.data\.a/);
    assert.equal((await get('cm', 'settings')).data?.a, '1', 'nothing written');
    const forced = await ssa('other2.yaml', cm('  a: "9"\n'), '--field-manager=other', '--force-conflicts');
    assert.equal(forced.code, 0, forced.stderr);
    const o = await get('cm', 'settings');
    assert.equal(o.data?.a, '9');
    const kubectlEntry = o.metadata.managedFields.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
    assert.ok(!kubectlEntry || !JSON.stringify(kubectlEntry.fieldsV1).includes('f:a'), 'kubectl no longer owns data.a');
  });

  it('records scale and status writes as their subresources', async () => {
    const deploy = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx:1}]\n';
    assert.equal((await ssa('deploy.yaml', deploy)).code, 0);
    const scaled = await kubectl('scale', 'deploy', 'web', '--replicas=3');
    assert.equal(scaled.code, 0, scaled.stderr);
    const o = await get('deploy', 'web');
    assert.equal(o.spec?.replicas, 3);
    assert.ok(owners(o).includes('kubectl/Update/scale'), owners(o).join(' '));
    const conflict = await ssa('deploy.yaml', deploy);
    assert.notEqual(conflict.code, 0, 'replicas now belong to the scale writer');
    assert.match(conflict.stderr, /conflict with "kubectl" with subresource "scale"|conflict with "kubectl"/);
  });

  it('refuses an apply without a field manager and force on other patches (422, PatchOptions)', async () => {
    const r = await fetch(`${suite.stack.url}/api/v1/namespaces/default/configmaps/settings`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: 'apiVersion: v1\nkind: ConfigMap\n' });
    assert.equal(r.status, 422);
    const body = (await r.json()) as { message: string };
    assert.equal(body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });
});
