/** The ServiceAccounts controller's decision and the pod's ServiceAccount default. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { missingServiceAccounts } from '../../services/controller-manager/serviceaccount/plan.js';
import { applyDefaults } from '../../shared/resources/strategy.js';
import { resourceByKind } from '../../shared/resources/registry.js';
import type { Namespace, Pod } from '../../shared/resources/types.js';

const ns = (over: Partial<Namespace> = {}): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' }, status: { phase: 'Active' }, ...over });

describe('missingServiceAccounts', () => {
  const cases: [string, Namespace | undefined, string[], string[]][] = [
    ['an active namespace without accounts gets default', ns(), [], ['default']],
    ['one that has it gets nothing', ns(), ['default', 'other'], []],
    ['other accounts do not count', ns(), ['builder'], ['default']],
    ['a terminating namespace gets nothing', ns({ status: { phase: 'Terminating' } }), [], []],
    ['a namespace being deleted gets nothing', ns({ metadata: { name: 'a', deletionTimestamp: '2026-12-06T00:00:00Z' } }), [], []],
    ['a namespace that is gone gets nothing', undefined, [], []],
  ];
  for (const [name, namespace, existing, want] of cases) {
    it(name, () => assert.deepEqual(missingServiceAccounts(namespace, new Set(existing)), want));
  }
});

describe('pod ServiceAccount default', () => {
  const info = resourceByKind('Pod')!;
  const pod = (spec: object): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } }) as Pod;
  const cases: [string, object, string][] = [
    ['none named: default', {}, 'default'],
    ['serviceAccountName kept', { serviceAccountName: 'builder' }, 'builder'],
    ['the deprecated serviceAccount alone is taken', { serviceAccount: 'legacy' }, 'legacy'],
    ['serviceAccountName wins over serviceAccount', { serviceAccountName: 'a', serviceAccount: 'b' }, 'a'],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => {
      const out = applyDefaults(info, pod(spec)) as Pod;
      assert.equal(out.spec.serviceAccountName, want);
      assert.equal(out.spec.serviceAccount, want);
    });
  }
});
