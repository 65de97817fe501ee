/** The clusterrole-aggregation controller: its plan, and its reconcile against the in-memory writer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryWriter } from '../../shared/client/index.js';
import type { ClusterRole, PolicyRule } from '../../shared/resources/rbac.js';
import { planAggregation } from '../../services/controller-manager/clusterroleaggregation/plan.js';
import { aggregationReconciler } from '../../services/controller-manager/clusterroleaggregation/controller.js';
import { cacheOf } from './controller-fixtures.js';

const LABEL = 'rbac.example.com/aggregate-to-monitoring';
const get = (resource: string): PolicyRule => ({ verbs: ['get'], apiGroups: [''], resources: [resource] });
const role = (name: string, rules: PolicyRule[] | undefined, o: { labels?: Record<string, string>; aggregate?: boolean } = {}): ClusterRole => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name, resourceVersion: '3', ...(o.labels ? { labels: o.labels } : {}) },
  ...(rules ? { rules } : {}),
  ...(o.aggregate ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [LABEL]: 'true' } }] } } : {}),
});

describe('planAggregation', () => {
  const pods = role('pods', [get('pods')], { labels: { [LABEL]: 'true' } });
  const nodes = role('nodes', [get('nodes')], { labels: { [LABEL]: 'true' } });
  const cases: [string, ClusterRole | undefined, ClusterRole[], PolicyRule[] | 'none'][] = [
    ['gone: nothing', undefined, [pods], 'none'],
    ['not aggregating: nothing', pods, [pods, nodes], 'none'],
    ['empty: filled in name order', role('m', undefined, { aggregate: true }), [pods, nodes], [get('nodes'), get('pods')]],
    ['current: nothing', role('m', [get('nodes'), get('pods')], { aggregate: true }), [pods, nodes], 'none'],
    ['a rule added by hand is taken out', role('m', [get('nodes'), get('pods'), get('secrets')], { aggregate: true }), [pods, nodes], [get('nodes'), get('pods')]],
    ['nothing matches: emptied', role('m', [get('pods')], { aggregate: true }), [], []],
  ];
  for (const [name, r, all, want] of cases) {
    it(name, () => {
      const a = planAggregation(r, r ? [r, ...all] : all);
      if (want === 'none') assert.equal(a.kind, 'none');
      else {
        assert.equal(a.kind, 'update');
        assert.deepEqual(a.kind === 'update' && a.role.rules, want);
        assert.equal(a.kind === 'update' && a.role.metadata.resourceVersion, '3', 'the observed resourceVersion is the precondition');
      }
    });
  }
});

describe('clusterrole-aggregation reconcile against the in-memory writer', () => {
  it('writes the aggregated rules once', async () => {
    const writer = new MemoryWriter();
    const objs = [role('m', undefined, { aggregate: true }), role('pods', [get('pods')], { labels: { [LABEL]: 'true' } })].map((r) => writer.seed('clusterroles', r));
    const cache = cacheOf<ClusterRole>('clusterroles', ...objs);
    const reconcile = aggregationReconciler(cache, writer);
    await reconcile('m');
    const client = writer.resource<ClusterRole>('clusterroles');
    assert.deepEqual((await client.get(undefined, 'm')).rules, [get('pods')]);
    cache.feed(...(await client.listAll()));
    await reconcile('m');
    await reconcile('pods');
    assert.equal(writer.count('update', 'clusterroles'), 1);
  });
});
