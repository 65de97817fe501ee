/** The DaemonSet and ControllerRevision kinds: defaults, template generation, validation messages, printers, projection. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveResource, resourceByKind } from '../../shared/resources/registry.js';
import { applyDefaults, strategyFor, validateObject } from '../../shared/resources/strategy.js';
import type { KObject } from '../../shared/resources/meta.js';
import { printerFor } from '../../shared/printers/index.js';

const DS = resourceByKind('DaemonSet')!;
const CR = resourceByKind('ControllerRevision')!;

function ds(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default', ...meta },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } },
      ...spec,
    },
  };
}

const causes = (o: KObject, old?: KObject) => validateObject(DS, applyDefaults(DS, o), old && applyDefaults(DS, old)).map((c) => `${c.field}: ${c.message}`);

describe('DaemonSet kind', () => {
  it('is served as apps/v1 daemonsets, short name ds, with a status subresource; ControllerRevision too', () => {
    assert.equal(resolveResource('ds')?.kind, 'DaemonSet');
    assert.deepEqual([DS.group, DS.plural, DS.namespaced, DS.subresources], ['apps', 'daemonsets', true, ['status']]);
    assert.deepEqual([CR.group, CR.plural, CR.namespaced], ['apps', 'controllerrevisions', true]);
    assert.equal(strategyFor('DaemonSet').generation, true);
  });

  it('defaults: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10, pod template defaults', () => {
    const d = applyDefaults(DS, ds()) as KObject & { spec: Record<string, any> };
    assert.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    const onDelete = applyDefaults(DS, ds({ updateStrategy: { type: 'OnDelete' } })) as KObject & { spec: Record<string, any> };
    assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  });

  it('template generation annotation: 1 on create, +1 on a template change, kept otherwise', () => {
    const s = strategyFor('DaemonSet');
    const created = applyDefaults(DS, ds());
    s.prepareForCreate!(created);
    assert.equal(created.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
    const same = applyDefaults(DS, ds({ minReadySeconds: 5 }));
    s.prepareForUpdate!(same, created);
    assert.equal(same.metadata.annotations?.['deprecated.daemonset.template.generation'], '1');
    const changed = applyDefaults(DS, ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:2' }] } } }));
    s.prepareForUpdate!(changed, created);
    assert.equal(changed.metadata.annotations?.['deprecated.daemonset.template.generation'], '2');
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['selector must match template labels', { selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels: Invalid value: {"app":"agent"}: `selector` does not match template `labels`'],
    ['empty selector', { selector: {} }, 'spec.selector: Invalid value: {}: empty selector is invalid for daemonset'],
    ['restartPolicy', { template: { metadata: { labels: { app: 'agent' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['activeDeadlineSeconds', { template: { metadata: { labels: { app: 'agent' } }, spec: { activeDeadlineSeconds: 5, containers: [{ name: 'a', image: 'x' }] } } }, 'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported'],
    ['both surge and unavailable', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }, 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    ['neither', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ['more than 100%', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 0 } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    ['negative', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: -1, maxSurge: 0 } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0'],
    ['strategy type', { updateStrategy: { type: 'Recreate' } }, 'spec.updateStrategy: Unsupported value: {"type":"Recreate"}: supported values: "OnDelete", "RollingUpdate"'],
    ['revisionHistoryLimit', { revisionHistoryLimit: -1 }, 'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
    ['minReadySeconds', { minReadySeconds: -1 }, 'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0'],
  ];
  for (const [name, spec, want] of invalid) {
    it(`invalid: ${name}`, () => assert.ok(causes(ds(spec)).includes(want), JSON.stringify(causes(ds(spec)))));
  }

  it('status counts are non-negative; collisionCount is never decremented', () => {
    const withStatus = (status: Record<string, unknown>) => ({ ...ds(), status }) as KObject;
    assert.deepEqual(causes(withStatus({ numberReady: -1 })), ['status.numberReady: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(causes(withStatus({ collisionCount: 1 }), withStatus({ collisionCount: 2 })), ['status.collisionCount: Invalid value: 1: cannot be decremented']);
  });

  it('valid as given; the selector is immutable', () => {
    assert.deepEqual(causes(ds()), []);
    const moved = ds({ selector: { matchLabels: { app: 'agent', tier: 'x' } }, template: { metadata: { labels: { app: 'agent', tier: 'x' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } });
    assert.ok(causes(moved, ds()).some((c) => c.startsWith('spec.selector: Invalid value: ') && c.endsWith('field is immutable')));
  });

  it('kubectl get columns and cells', () => {
    const p = printerFor('DaemonSet');
    assert.deepEqual(p.columns.map((c) => [c.name, c.priority]), [
      ['Name', 0], ['Desired', 0], ['Current', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Node Selector', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    const o = ds({ template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'a', image: 'agent:1' }] } } }, { creationTimestamp: '2024-01-01T00:00:00Z' });
    (o as { status?: unknown }).status = { desiredNumberScheduled: 3, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1, numberMisscheduled: 0 };
    assert.deepEqual(p.row(o, new Date('2024-01-01T00:05:00Z')), ['agent', 3, 2, 1, 2, 1, 'disk=ssd,zone=a', '5m', 'a', 'agent:1', 'app=agent']);
    assert.equal(p.row(ds(), new Date())[6], '<none>');
  });

  it('projection columns', () => {
    const row = strategyFor('DaemonSet').projection!.row({ ...ds(), status: { desiredNumberScheduled: 3, numberReady: 2, numberMisscheduled: 1 } }, DS);
    assert.equal(row.desired, 3);
    assert.equal(row.ready, 2);
    assert.equal(row.misscheduled, 1);
    assert.equal(row.node_selector, null);
  });
});

describe('ControllerRevision kind', () => {
  const cr = (data: unknown, revision = 1): KObject => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name: 'agent-abc', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true }] },
    data,
    revision,
  });
  const crCauses = (o: KObject, old?: KObject) => validateObject(CR, o, old).map((c) => `${c.field}: ${c.message}`);

  it('data is mandatory and immutable; revision non-negative and may change', () => {
    assert.deepEqual(crCauses(cr(undefined)), ['data: Required value: data is mandatory']);
    assert.deepEqual(crCauses(cr({ a: 1 }, -1)), ['revision: Invalid value: -1: must be greater than or equal to 0']);
    assert.deepEqual(crCauses(cr({ a: 2 }), cr({ a: 1 })), ['data: Invalid value: {"a":2}: field is immutable']);
    assert.deepEqual(crCauses(cr({ a: 1 }, 3), cr({ a: 1 }, 1)), []);
  });

  it('kubectl get: NAME CONTROLLER REVISION AGE', () => {
    const p = printerFor('ControllerRevision');
    assert.deepEqual(p.columns.map((c) => c.name), ['Name', 'Controller', 'Revision', 'Age']);
    const o = { ...cr({ a: 1 }, 2), metadata: { ...cr({}).metadata, creationTimestamp: '2024-01-01T00:00:00Z' } };
    assert.deepEqual(p.row(o, new Date('2024-01-01T00:00:30Z')), ['agent-abc', 'daemonset.apps/agent', 2, '30s']);
  });
});
