/**
 * The same plural and kind in two groups (`widgets.a.example.com`, `widgets.b.example.com`) with
 * the real kubectl: both CRDs are accepted and served, an object of the same name in each group is
 * two objects (their own subjects, rows and views), each is read, listed and watched through its
 * own group only, and deleting one CRD leaves the other group's objects alone. Built-in subjects
 * keep their plural.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { schemaName } from '../../shared/config.js';
import { createDb } from '../../shared/db/index.js';
import { unserveCrd } from '../../shared/resources/crd-serving.js';
import { api, collectWatch } from '../stack.js';
import { eventually } from '../wait.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUPS = ['a.example.com', 'b.example.com'] as const;
const path = (g: string, name = '') => `/apis/${g}/v1/namespaces/default/widgets${name ? `/${name}` : ''}`;

function widgetsCrd(group: string, column: string): object {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
      versions: [{
        name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { [column]: { type: 'string' } } } } } },
        additionalPrinterColumns: [{ name: column, type: 'string', jsonPath: `.spec.${column}` }],
      }],
    },
  };
}

describe('the same plural in two groups, with kubectl', { skip: KUBECTL_SKIP, timeout: 180_000 }, () => {
  after(() => GROUPS.forEach((g) => unserveCrd(`widgets.${g}`)));
  const suite = kubectlSuite('kcrdg');

  it('two CRDs, two objects of one name, each group its own; deleting one CRD leaves the other', async () => {
    const file = join(suite.dir, 'crds.json');
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [widgetsCrd('a.example.com', 'color'), widgetsCrd('b.example.com', 'size')] }));
    const applied = await suite.kubectl('apply', '-f', file);
    assert.equal(applied.code, 0, applied.stderr);
    for (const g of GROUPS) {
      const waited = await suite.kubectl('wait', '--for', 'condition=established', '--timeout=60s', `crd/widgets.${g}`);
      assert.equal(waited.code, 0, waited.stderr);
      const crd = (await api(suite.stack.url, 'GET', `${CRDS}/widgets.${g}`)).body;
      assert.equal(crd.status.conditions.find((c: any) => c.type === 'NamesAccepted').status, 'True');
      await eventually(`${g} served`, async () => (await api(suite.stack.url, 'GET', path(g))).status === 200);
    }

    const rv = (await api(suite.stack.url, 'GET', path('a.example.com'))).body.metadata.resourceVersion;
    const watchA = collectWatch(suite.stack.url, `${path('a.example.com')}?watch=true&resourceVersion=${rv}`, (e) => e.length >= 1);

    const objs = join(suite.dir, 'objs.yaml');
    await writeFile(objs, [
      'apiVersion: a.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  color: blue\n',
      'apiVersion: b.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n',
    ].join('---\n'));
    const made = await suite.kubectl('apply', '-f', objs);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /widget\.a\.example\.com\/w created/);
    assert.match(made.stdout, /widget\.b\.example\.com\/w created/);

    // Two objects: each read through its group with its own content and uid.
    const a = await api(suite.stack.url, 'GET', path('a.example.com', 'w'));
    const b = await api(suite.stack.url, 'GET', path('b.example.com', 'w'));
    assert.deepEqual([a.body.apiVersion, a.body.spec], ['a.example.com/v1', { color: 'blue' }]);
    assert.deepEqual([b.body.apiVersion, b.body.spec], ['b.example.com/v1', { size: 'big' }]);
    assert.notEqual(a.body.metadata.uid, b.body.metadata.uid);

    // kubectl by fully qualified name: each group's printer columns and object.
    const getA = await suite.kubectl('get', 'widgets.a.example.com');
    assert.deepEqual(getA.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/)), [['NAME', 'COLOR'], ['w', 'blue']]);
    const getB = await suite.kubectl('get', 'widgets.b.example.com', 'w', '-o', 'jsonpath={.spec.size}');
    assert.equal(getB.stdout, 'big');

    // A watch on one group sees that group's object only.
    const w = await watchA;
    assert.deepEqual(w.events.map((e) => [e.type, e.object.apiVersion, e.object.spec]), [['ADDED', 'a.example.com/v1', { color: 'blue' }]]);

    // Subjects: the CRD's name as a token; a built-in kind keeps its plural.
    const log = suite.stack.gateway.log;
    assert.equal(((await log.getLast(`${log.root}.res.widgets_a_example_com.default.w`))?.object.spec as any)?.color, 'blue');
    assert.equal(((await log.getLast(`${log.root}.res.widgets_b_example_com.default.w`))?.object.spec as any)?.size, 'big');
    assert.equal(await log.getLast(`${log.root}.res.widgets.default.w`), null);
    assert.ok(await log.getLast(log.subjectFor('namespaces', undefined, 'default')));

    // SQL: a view named by each CRD.
    const db = createDb(suite.stack.cfg.databaseUrl, schemaName(suite.stack.cfg.prefix), { max: 1 });
    try {
      await eventually('views', async () => {
        const ra = await sql<{ spec: object }>`select spec from "widgets.a.example.com" where name = 'w'`.execute(db).catch(() => undefined);
        const rb = await sql<{ spec: object }>`select spec from "widgets.b.example.com" where name = 'w'`.execute(db).catch(() => undefined);
        return JSON.stringify([ra?.rows, rb?.rows]) === JSON.stringify([[{ spec: { color: 'blue' } }], [{ spec: { size: 'big' } }]]);
      });
    } finally {
      await db.destroy();
    }

    // Deleting group a's CRD deletes its objects only.
    const del = await suite.kubectl('delete', 'crd', 'widgets.a.example.com');
    assert.equal(del.code, 0, del.stderr);
    await eventually('group a gone', async () => (await api(suite.stack.url, 'GET', path('a.example.com'))).status === 404);
    const left = await api(suite.stack.url, 'GET', path('b.example.com', 'w'));
    assert.equal(left.status, 200);
    assert.deepEqual(left.body.spec, { size: 'big' });
    assert.equal((await suite.kubectl('delete', 'crd', 'widgets.b.example.com')).code, 0);
  });
});
