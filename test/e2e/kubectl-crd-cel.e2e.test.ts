/**
 * kubectl 1.32 against a CRD with validation rules (examples/crd/rules.yaml): the CRD applies and
 * is established, a Widget that keeps the rules applies, one that breaks them is refused with the
 * rules' messages as kubectl prints them, and a CRD whose rule doesn't compile is refused.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('kubectl and CRD validation rules', { skip: KUBECTL_SKIP, timeout: 180_000 }, () => {
  after(() => unserveCrd('widgets.cel.example.com'));
  const suite = kubectlSuite('kcel');

  it('apply a CRD with rules, a Widget that keeps them, one that breaks them', async () => {
    const crd = await suite.kubectl('apply', '-f', join(ROOT, 'examples/crd/rules.yaml'));
    assert.equal(crd.code, 0, crd.stderr);
    const waited = await suite.kubectl('wait', '--for', 'condition=established', '--timeout=60s', 'crd/widgets.cel.example.com');
    assert.equal(waited.code, 0, waited.stderr);

    const ok = await suite.kubectl('apply', '-f', join(ROOT, 'examples/crd/widget.yaml'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /widget\.cel\.example\.com\/my-widget created/);

    const bad = join(suite.dir, 'bad-widget.yaml');
    await writeFile(bad, 'apiVersion: cel.example.com/v1\nkind: Widget\nmetadata:\n  name: bad\nspec:\n  replicas: 20\n  maxReplicas: 5\n');
    const refused = await suite.kubectl('apply', '-f', bad);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim(), 'The Widget "bad" is invalid: spec: Invalid value: "object": replicas should be between minReplicas and maxReplicas');

    const immutable = await suite.kubectl('patch', 'widget', 'my-widget', '--type=merge', '-p', '{"spec":{"engine":"other"}}');
    assert.notEqual(immutable.code, 0);
    assert.match(immutable.stderr, /spec\.engine: Invalid value: "string": engine is immutable/);

    const badCrd = join(suite.dir, 'bad-crd.yaml');
    await writeFile(
      badCrd,
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gadgets.cel.example.com\nspec:\n  group: cel.example.com\n  scope: Namespaced\n  names: {plural: gadgets, kind: Gadget}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties: {url: {type: string}}\n            x-kubernetes-validations:\n            - rule: isCIDR(self.url)\n',
    );
    const refusedCrd = await suite.kubectl('apply', '-f', badCrd);
    assert.notEqual(refusedCrd.code, 0);
    assert.match(refusedCrd.stderr, /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed: ERROR: <input>:1:1: undeclared reference to 'isCIDR'/);
  });
});
