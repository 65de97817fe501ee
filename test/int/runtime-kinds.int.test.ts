/**
 * A kind registered at run time (what a CustomResourceDefinition will do) is served like a built-in
 * one: created, got, listed and watched through the gateway, and projected into custom_objects,
 * where two kinds' objects of the same name stay apart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { schemaName } from '../../shared/config.js';
import { createDb } from '../../shared/db/index.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import { registerKind, unregisterKind } from '../../shared/resources/strategy.js';
import { api, collectWatch, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const GROUP = 'example.jetkube.io';
const widget: ResourceInfo = {
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  group: GROUP,
  version: 'v1',
  namespaced: true,
  shortNames: ['wdg'],
  table: 'custom_objects',
  subresources: [],
};
const gadget: ResourceInfo = { ...widget, kind: 'Gadget', plural: 'gadgets', singular: 'gadget', namespaced: false, shortNames: [] };
const WIDGETS = `/apis/${GROUP}/v1/namespaces/default/widgets`;
const GADGETS = `/apis/${GROUP}/v1/gadgets`;

const obj = (kind: string, name: string, spec: object, labels: Record<string, string> = {}) => ({
  apiVersion: `${GROUP}/v1`,
  kind,
  metadata: { name, labels },
  spec,
});

describe('kinds registered at run time', () => {
  let s: Stack;
  before(async () => {
    registerKind(widget);
    registerKind(gadget);
    s = await startStack('rtkind');
  });
  after(async () => {
    await s?.close();
    unregisterKind('Widget');
    unregisterKind('Gadget');
  });

  it('are created, got, listed and watched through the gateway', async () => {
    const created = await api(s.url, 'POST', WIDGETS, obj('Widget', 'w1', { size: 3 }, { app: 'a' }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.kind, 'Widget');
    assert.equal(created.body.spec.size, 3);
    const rv = created.body.metadata.resourceVersion;

    const got = await api(s.url, 'GET', `${WIDGETS}/w1`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.spec, { size: 3 });

    assert.equal((await api(s.url, 'POST', WIDGETS, obj('Widget', 'w2', { size: 5 }, { app: 'b' }))).status, 201);
    const list = await eventually('both widgets listed', async () => {
      const r = await api(s.url, 'GET', WIDGETS);
      return r.body.items?.length === 2 && r.body;
    });
    assert.equal(list.kind, 'WidgetList');
    assert.deepEqual(list.items.map((i: any) => i.metadata.name), ['w1', 'w2']);
    const selected = await api(s.url, 'GET', `${WIDGETS}?labelSelector=app%3Db&fieldSelector=metadata.name%3Dw2`);
    assert.deepEqual(selected.body.items.map((i: any) => i.metadata.name), ['w2']);
    const byField = await api(s.url, 'GET', `${WIDGETS}?fieldSelector=spec.size%3D3`);
    assert.equal(byField.status, 400, 'a kind without selectable fields takes only metadata.name and metadata.namespace');

    const patched = api(s.url, 'PATCH', `${WIDGETS}/w1`, { spec: { size: 4 } }, 'application/merge-patch+json');
    const watch = await collectWatch(s.url, `${WIDGETS}?watch=true&resourceVersion=${rv}`, (evs) => evs.some((e) => e.type === 'MODIFIED'));
    assert.equal((await patched).status, 200);
    assert.equal(watch.status, 200);
    const types = watch.events.map((e) => `${e.type} ${e.object.metadata.name}`);
    assert.ok(types.includes('ADDED w2') && types.includes('MODIFIED w1'), types.join(', '));
    assert.equal(watch.events.find((e) => e.type === 'MODIFIED')!.object.spec.size, 4);

    const table = await fetch(`${s.url}${WIDGETS}`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const t = (await table.json()) as any;
    assert.deepEqual(t.columnDefinitions.map((c: any) => c.name), ['Name', 'Age']);
  });

  it('land in custom_objects, apart from another kind with the same names, and leave it when deleted', async () => {
    assert.equal((await api(s.url, 'POST', GADGETS, obj('Gadget', 'w1', { shiny: true }))).status, 201);
    assert.equal((await api(s.url, 'POST', GADGETS, obj('Gadget', 'gone', {}))).status, 201);
    assert.equal((await api(s.url, 'DELETE', `${GADGETS}/gone`)).status, 200);
    assert.equal((await api(s.url, 'GET', `${GADGETS}/gone`)).status, 404);
    const db = createDb(s.cfg.databaseUrl, schemaName(s.cfg.prefix), { max: 1 });
    try {
      const rows = await eventually('projected', async () => {
        const r = await sql<{ api_group: string; kind: string; namespace: string; name: string; object: any }>`
          select api_group, kind, namespace, name, object from custom_objects order by kind, name`.execute(db);
        return r.rows.length === 3 && r.rows.every((x) => x.kind !== 'Widget' || x.object.spec.size !== 3) && r.rows;
      });
      assert.deepEqual(
        rows.map((r) => [r.api_group, r.kind, r.namespace, r.name]),
        [
          [GROUP, 'Gadget', '', 'w1'],
          [GROUP, 'Widget', 'default', 'w1'],
          [GROUP, 'Widget', 'default', 'w2'],
        ],
      );
      assert.equal(rows[0]!.object.spec.shiny, true);
      assert.equal(rows[1]!.object.spec.size, 4);
    } finally {
      await db.destroy();
    }
    const gadgets = await api(s.url, 'GET', GADGETS);
    assert.deepEqual(gadgets.body.items.map((i: any) => i.metadata.name), ['w1']);
  });
});
