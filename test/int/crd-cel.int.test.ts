/**
 * CRD validation rules (x-kubernetes-validations) through the gateway, on real NATS and Postgres:
 * a CRD whose rule doesn't compile is refused (422, the rule's path), examples/crd/rules.yaml is
 * served, a Widget breaking a rule is refused with Kubernetes' Invalid status (message, causes),
 * and a transition rule (oldSelf) refuses an update while letting other updates through.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CRD = parse(readFileSync(`${ROOT}examples/crd/rules.yaml`, 'utf8'));
const WIDGET = parse(readFileSync(`${ROOT}examples/crd/widget.yaml`, 'utf8'));
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WS = '/apis/cel.example.com/v1/namespaces/default/widgets';

describe('CRD validation rules through the gateway', { timeout: 120_000 }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack('crdcel');
  });
  after(async () => {
    await s?.close();
    unserveCrd('widgets.cel.example.com');
  });

  it('refuses a CRD whose rule does not compile, naming the rule', async () => {
    const bad = structuredClone(CRD);
    bad.spec.versions[0].schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'].push({ rule: 'self.nope > 1' });
    const r = await api(s.url, 'POST', CRDS, bad);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual(r.body.details.causes.map((c: any) => c.field), ['spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[2].rule']);
    assert.match(r.body.message, /compilation failed: ERROR: <input>:1:6: undefined field 'nope'/);
  });

  it('serves a CRD with rules and refuses custom resources that break them', async () => {
    const r = await api(s.url, 'POST', CRDS, CRD);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await eventually('widgets served', async () => (await api(s.url, 'GET', WS)).status === 200);

    const ok = await api(s.url, 'POST', WS, WIDGET);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));

    const tooMany = structuredClone(WIDGET);
    tooMany.metadata.name = 'w2';
    tooMany.spec.replicas = 9;
    tooMany.spec.ports = [{ name: 'HTTP', port: 0 }];
    const r2 = await api(s.url, 'POST', WS, tooMany);
    assert.equal(r2.status, 422, JSON.stringify(r2.body));
    assert.equal(r2.body.reason, 'Invalid');
    assert.equal(
      r2.body.message,
      'Widget.cel.example.com "w2" is invalid: spec: Invalid value: "object": replicas should be between minReplicas and maxReplicas, spec.ports: Invalid value: "object": port names must be lower case letters, got HTTP, spec.ports[0].port: Forbidden: must be a TCP port',
    );
    assert.deepEqual(
      r2.body.details.causes.map((c: any) => [c.reason, c.field]),
      [['FieldValueInvalid', 'spec'], ['FieldValueInvalid', 'spec.ports'], ['FieldValueForbidden', 'spec.ports[0].port']],
    );
  });

  it('a transition rule refuses changing an immutable field, other updates go through', async () => {
    const cur = (await api(s.url, 'GET', `${WS}/my-widget`)).body;
    const changed = structuredClone(cur);
    changed.spec.engine = 'spidermonkey';
    const r = await api(s.url, 'PUT', `${WS}/my-widget`, changed);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.match(r.body.message, /spec\.engine: Invalid value: "string": engine is immutable/);

    const patched = await api(s.url, 'PATCH', `${WS}/my-widget`, { spec: { replicas: 4 } }, 'application/merge-patch+json');
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.spec.replicas, 4);
  });
});
