/**
 * An object's identity in the history includes its API group (pure parts): the events mirror's
 * api_group from the kind, the kind a history request names (with or without apiVersion), and the
 * involvedObject's apiVersion.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CUSTOM_OBJECTS, planBatch } from '../../shared/db/index.js';
import { RESOURCES, type ResourceInfo } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';
import { historyKind, involvedObject } from '../../services/gateway/history/resources.js';

const widget = (group: string): ResourceInfo => ({
  kind: 'Widget', plural: 'widgets', singular: 'widget', group, version: 'v1', namespaced: true, shortNames: ['wdg'], table: CUSTOM_OBJECTS, subresources: [],
});
const A = widget('a.example.com');
const B = widget('b.example.com');
const builtIn = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

describe('history identity by API group', () => {
  it('mirrors each event with its kind\'s group', () => {
    const ev = (seq: number, info: ResourceInfo) => ({
      seq, time: '2026-12-06T00:00:00.000000Z', type: 'ADDED' as const, info,
      object: { apiVersion: info.group ? `${info.group}/v1` : 'v1', kind: info.kind, metadata: { name: 'w', namespace: 'ns' } } as KObject,
    });
    const plan = planBatch([ev(1, A), ev(2, B), ev(3, builtIn('Deployment')), ev(4, builtIn('ConfigMap'))]);
    assert.deepEqual(plan.mirror.map((m) => [m.sequence, m.kind, m.api_group, m.name]), [
      [1, 'Widget', 'a.example.com', 'w'],
      [2, 'Widget', 'b.example.com', 'w'],
      [3, 'Deployment', 'apps', 'w'],
      [4, 'ConfigMap', '', 'w'],
    ]);
  });

  it('resolves the kind a request names, narrowed by apiVersion', () => {
    const all = [...RESOURCES, A, B];
    const cases: [string, string | undefined, ResourceInfo | undefined][] = [
      ['widgets.a.example.com', undefined, A],
      ['widgets.b.example.com', undefined, B],
      ['widgets', undefined, A],
      ['Widget', 'b.example.com/v1', B],
      ['widgets', 'b.example.com/v1', B],
      ['wdg', 'a.example.com/v2', A],
      ['widgets.b.example.com', 'a.example.com/v1', undefined],
      ['Widget', 'c.example.com/v1', undefined],
      ['deploy', 'apps/v1', builtIn('Deployment')],
      ['Pod', 'v1', builtIn('Pod')],
      ['pods', 'apps/v1', undefined],
      ['nothing', undefined, undefined],
    ];
    for (const [kind, apiVersion, want] of cases) assert.equal(historyKind(kind, apiVersion, all), want, `${kind} ${apiVersion}`);
  });

  it('names the involved object\'s apiVersion by its group', () => {
    const o = (api_group: string, kind: string) => involvedObject({ kind, api_group, namespace: 'ns', name: 'w', uid: null }).apiVersion;
    assert.equal(o('apps', 'Deployment'), 'apps/v1');
    assert.equal(o('', 'ConfigMap'), 'v1');
    // A kind no longer served: its group, without a version.
    assert.equal(o('gone.example.com', 'Widget'), 'gone.example.com');
  });
});
