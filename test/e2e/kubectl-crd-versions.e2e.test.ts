/**
 * A CustomResourceDefinition with two versions (conversion None) through a gateway, with the real
 * kubectl: v1beta1 served and deprecated, v1 the storage version. An object created through
 * v1beta1 (defaulted and pruned by v1beta1's schema) is stored as v1 and read, listed and watched
 * through either version with that version's apiVersion, selected by that version's
 * selectableFields; the deprecated version warns; discovery
 * prefers v1; an unserved version is 404; status.storedVersions follows the storage version, and a
 * stored version cannot leave spec.versions (422).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { resourceByGroupKind, subjectToken } from '../../shared/resources/registry.js';
import { api, collectWatch } from '../stack.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const NAME = 'gadgets.versions.example.com';
const path = (v: string, name = '') => `/apis/versions.example.com/${v}/namespaces/default/gadgets${name ? `/${name}` : ''}`;
const schema = (props: object) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: props } } } });
const WARNING = 'versions.example.com/v1beta1 Gadget is deprecated; use versions.example.com/v1 Gadget';

function gadgetsCrd(): any {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: NAME },
    spec: {
      group: 'versions.example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', shortNames: ['gd'] },
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          deprecated: true,
          schema: schema({ size: { type: 'string', default: 'small' } }),
          additionalPrinterColumns: [{ name: 'Size', type: 'string', jsonPath: '.spec.size' }],
          selectableFields: [{ jsonPath: '.spec.size' }],
        },
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: schema({ size: { type: 'string' }, color: { type: 'string', default: 'red' } }),
          additionalPrinterColumns: [{ name: 'Color', type: 'string', jsonPath: '.spec.color' }],
          subresources: { status: {} },
          selectableFields: [{ jsonPath: '.spec.color' }],
        },
        { name: 'v2alpha1', served: false, storage: false, schema: schema({}) },
      ],
    },
  };
}

describe('CRD versions with kubectl', { skip: KUBECTL_SKIP, timeout: 180_000 }, () => {
  after(() => unserveCrd(NAME));
  const suite = kubectlSuite('kcrdv');

  it('refuses what Kubernetes refuses: two storage versions, a webhook conversion (422)', async () => {
    const two = gadgetsCrd();
    two.spec.versions[0].storage = true;
    const r = await api(suite.stack.url, 'POST', CRDS, two);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.ok(r.body.details.causes.some((c: any) => c.field === 'spec.versions' && /must have exactly one version marked as storage version/.test(c.message)), JSON.stringify(r.body));
    const hook = gadgetsCrd();
    hook.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://example.com/convert' }, conversionReviewVersions: ['v1'] } };
    const h = await api(suite.stack.url, 'POST', CRDS, hook);
    assert.equal(h.status, 422, JSON.stringify(h.body));
    assert.ok(h.body.details.causes.some((c: any) => c.field === 'spec.conversion.strategy'), JSON.stringify(h.body));
  });

  it('create through v1beta1, read through v1, list and watch both, unserved 404, storedVersions', async () => {
    const file = join(suite.dir, 'crd.json');
    await writeFile(file, JSON.stringify(gadgetsCrd()));
    const applied = await suite.kubectl('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    const waited = await suite.kubectl('wait', '--for', 'condition=established', '--timeout=60s', `crd/${NAME}`);
    assert.equal(waited.code, 0, waited.stderr);
    await eventually('both versions served', async () => (await api(suite.stack.url, 'GET', path('v1beta1'))).status === 200 && (await api(suite.stack.url, 'GET', path('v1'))).status === 200);

    // Discovery: served versions only, v1 preferred.
    const group = (await api(suite.stack.url, 'GET', '/apis/versions.example.com')).body;
    assert.deepEqual(group.versions.map((v: any) => v.version), ['v1', 'v1beta1']);
    assert.equal(group.preferredVersion.version, 'v1');
    assert.equal((await api(suite.stack.url, 'GET', path('v2alpha1'))).status, 404);
    assert.equal((await api(suite.stack.url, 'GET', '/apis/versions.example.com/v2alpha1')).status, 404);

    // Watches through both versions, from now on.
    const rv = (await api(suite.stack.url, 'GET', path('v1'))).body.metadata.resourceVersion;
    const watchV1 = collectWatch(suite.stack.url, `${path('v1')}?watch=true&resourceVersion=${rv}`, (e) => e.length >= 1);
    const watchBeta = collectWatch(suite.stack.url, `${path('v1beta1')}?watch=true&resourceVersion=${rv}`, (e) => e.length >= 1);

    // Created through v1beta1 with kubectl (a deprecated version: kubectl prints the warning);
    // --validate=false: the field v1beta1 does not know is pruned rather than refused.
    const cr = join(suite.dir, 'gadget.yaml');
    await writeFile(cr, 'apiVersion: versions.example.com/v1beta1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  color: blue\n');
    const made = await suite.kubectl('apply', '--validate=false', '-f', cr);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /gadget\.versions\.example\.com\/g1 created/);
    assert.ok(made.stderr.includes(`Warning: ${WARNING}`), made.stderr);

    // Read through v1: stored as v1, defaulted and pruned by v1beta1's schema (color is not in v1beta1).
    const v1 = await api(suite.stack.url, 'GET', path('v1', 'g1'));
    assert.equal(v1.status, 200);
    assert.equal(v1.body.apiVersion, 'versions.example.com/v1');
    assert.deepEqual(v1.body.spec, { size: 'small' });
    assert.equal(v1.headers.get('warning'), null);
    const beta = await api(suite.stack.url, 'GET', path('v1beta1', 'g1'));
    assert.equal(beta.body.apiVersion, 'versions.example.com/v1beta1');
    assert.equal(beta.body.metadata.resourceVersion, v1.body.metadata.resourceVersion);
    assert.equal(beta.headers.get('warning'), `299 - ${JSON.stringify(WARNING)}`);

    // Lists through each version carry that version's apiVersion, on the list and on its items.
    for (const v of ['v1', 'v1beta1']) {
      const l = await api(suite.stack.url, 'GET', path(v));
      assert.equal(l.body.apiVersion, `versions.example.com/${v}`);
      assert.deepEqual(l.body.items.map((o: any) => [o.metadata.name, o.apiVersion]), [['g1', `versions.example.com/${v}`]]);
    }
    const [w1, wb] = await Promise.all([watchV1, watchBeta]);
    assert.deepEqual(w1.events.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name]), [['ADDED', 'versions.example.com/v1', 'g1']]);
    assert.deepEqual(wb.events.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name]), [['ADDED', 'versions.example.com/v1beta1', 'g1']]);

    // An update through v1 takes v1's defaults; status is its own subresource in v1 only.
    const put = await api(suite.stack.url, 'PUT', path('v1', 'g1'), { ...v1.body, spec: { size: 'big' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.spec, { size: 'big', color: 'red' });
    assert.equal((await api(suite.stack.url, 'GET', `${path('v1', 'g1')}/status`)).status, 200);
    assert.equal((await api(suite.stack.url, 'GET', `${path('v1beta1', 'g1')}/status`)).status, 404);

    // Each version's selectableFields: field selectors on lists (kubectl too) and watches.
    assert.deepEqual((await api(suite.stack.url, 'GET', `${path('v1beta1')}?fieldSelector=spec.size%3Dbig`)).body.items.map((o: any) => o.metadata.name), ['g1']);
    assert.deepEqual((await api(suite.stack.url, 'GET', `${path('v1beta1')}?fieldSelector=spec.size%3Dsmall`)).body.items, []);
    const unsupported = await api(suite.stack.url, 'GET', `${path('v1')}?fieldSelector=spec.size%3Dbig`);
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.message, 'field label not supported: spec.size');
    const byColor = await suite.kubectl('get', 'gadgets.v1.versions.example.com', '--field-selector', 'spec.color=red', '-o', 'name');
    assert.equal(byColor.code, 0, byColor.stderr);
    assert.equal(byColor.stdout.trim(), 'gadget.versions.example.com/g1');
    const sel = await collectWatch(suite.stack.url, `${path('v1')}?watch=true&fieldSelector=spec.color%3Dred`, (e) => e.length >= 1);
    assert.deepEqual(sel.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'g1']]);

    // kubectl: the fully qualified resource per version, each version's printer columns.
    const getV1 = await suite.kubectl('get', 'gadgets.v1.versions.example.com', 'g1');
    assert.equal(getV1.code, 0, getV1.stderr);
    assert.deepEqual(getV1.stdout.trim().split('\n')[0]!.split(/\s{2,}/), ['NAME', 'COLOR']);
    const getBeta = await suite.kubectl('get', 'gadgets.v1beta1.versions.example.com', 'g1', '-o', 'jsonpath={.apiVersion} {.spec.size}');
    assert.equal(getBeta.code, 0, getBeta.stderr);
    assert.equal(getBeta.stdout, 'versions.example.com/v1beta1 big');
    assert.match(getBeta.stderr, /Warning: versions\.example\.com\/v1beta1 Gadget is deprecated/);
    const table = await suite.kubectl('get', 'gadgets.v1beta1.versions.example.com');
    assert.deepEqual(table.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/)), [['NAME', 'SIZE'], ['g1', 'big']]);

    // kubectl explain reads each version's OpenAPI document.
    const explain = await suite.kubectl('explain', 'gadgets.spec', '--api-version=versions.example.com/v1');
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /color/);
    const explainBeta = await suite.kubectl('explain', 'gadgets.spec', '--api-version=versions.example.com/v1beta1');
    assert.equal(explainBeta.code, 0, explainBeta.stderr);
    assert.doesNotMatch(explainBeta.stdout, /color/);

    // storedVersions: v1; moving storage to v1beta1 appends it; v1 then cannot leave spec.versions.
    const crd = (await api(suite.stack.url, 'GET', `${CRDS}/${NAME}`)).body;
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    crd.spec.versions[0].storage = true;
    crd.spec.versions[1].storage = false;
    const moved = await api(suite.stack.url, 'PUT', `${CRDS}/${NAME}`, crd);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body.status.storedVersions, ['v1', 'v1beta1']);
    moved.body.spec.versions.splice(1, 1);
    const dropped = await api(suite.stack.url, 'PUT', `${CRDS}/${NAME}`, moved.body);
    assert.equal(dropped.status, 422, JSON.stringify(dropped.body));
    assert.deepEqual(dropped.body.details.causes.map((c: any) => [c.field, c.message]), [
      ['status.storedVersions[0]', 'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions'],
    ]);

    // Written again through v1 once v1beta1 stores: kept as v1beta1 on the log, still read as v1.
    const log = suite.stack.gateway.log;
    let n = 0;
    await eventually('v1beta1 is the storage version', async () => {
      const p = await api(suite.stack.url, 'PUT', path('v1', 'g1'), { ...(await api(suite.stack.url, 'GET', path('v1', 'g1'))).body, spec: { size: `huge-${n++}` } });
      if (p.status !== 200) return false;
      const raw = await log.getLast(log.subjectFor(subjectToken(resourceByGroupKind('versions.example.com', 'Gadget')!), 'default', 'g1'));
      return raw?.object.apiVersion === 'versions.example.com/v1beta1' && p.body.apiVersion === 'versions.example.com/v1';
    });

    const del = await suite.kubectl('delete', 'crd', NAME);
    assert.equal(del.code, 0, del.stderr);
    await eventually('gadgets gone', async () => (await api(suite.stack.url, 'GET', path('v1'))).status === 404);
  });
});
