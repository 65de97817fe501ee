/** The StatefulSet kind: registry row, defaults, validation (volumeClaimTemplates as claim specs), printer, projection; jkctl's rollout status lines. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveResource, resourceByKind } from '../../shared/resources/registry.js';
import { applyDefaults, strategyFor, validateObject } from '../../shared/resources/strategy.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { StatefulSet } from '../../shared/resources/statefulset-types.js';
import { printerFor } from '../../shared/printers/index.js';
import { statefulSetRolloutStatus } from '../../services/jkctl/rollout-statefulset.js';

const STS = resourceByKind('StatefulSet')!;

function sts(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

const causes = (o: KObject, old?: KObject) => validateObject(STS, applyDefaults(STS, o), old && applyDefaults(STS, old)).map((c) => `${c.field}: ${c.message}`);

describe('StatefulSet kind', () => {
  it('is served as apps/v1 statefulsets, short name sts, with status and scale subresources and a generation', () => {
    assert.equal(resolveResource('sts')?.kind, 'StatefulSet');
    assert.deepEqual([STS.group, STS.plural, STS.namespaced, STS.subresources], ['apps', 'statefulsets', true, ['status', 'scale']]);
    assert.equal(strategyFor('StatefulSet').generation, true);
    assert.equal(strategyFor('StatefulSet').statusSubresource, true);
  });

  it('defaults as SetDefaults_StatefulSet, and the pod template defaults', () => {
    const d = applyDefaults(STS, sts()) as KObject & { spec: Record<string, any> };
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(d.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.deepEqual(d.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    const onDelete = applyDefaults(STS, sts({ updateStrategy: { type: 'OnDelete' } })) as KObject & { spec: Record<string, any> };
    assert.deepEqual(onDelete.spec.updateStrategy, { type: 'OnDelete' });
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['selector must match template labels', { selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
    ['empty selector', { selector: {} }, 'spec.selector: Invalid value: {}: empty selector is invalid for statefulset'],
    ['restartPolicy', { template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'a', image: 'x' }] } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['negative replicas', { replicas: -1 }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['podManagementPolicy', { podManagementPolicy: 'Random' }, "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"],
    [
      'volumeClaimTemplates: a claim spec without a storage request',
      { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
      'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
    ],
  ];
  for (const [name, spec, want] of invalid) {
    it(`invalid: ${name}`, () => assert.ok(causes(sts(spec)).includes(want), JSON.stringify(causes(sts(spec)))));
  }

  it('valid as given; only the updatable fields may change', () => {
    assert.deepEqual(causes(sts()), []);
    assert.deepEqual(causes(sts({ replicas: 5 }), sts()), []);
    assert.ok(causes(sts({ serviceName: 'other' }), sts()).some((c) => c.startsWith('spec: Forbidden: updates to statefulset spec for fields other than')));
  });

  it('kubectl get: NAME READY AGE, wide adds CONTAINERS IMAGES', () => {
    const p = printerFor('StatefulSet');
    assert.deepEqual(p.columns.map((c) => [c.name, c.priority]), [['Name', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1]]);
    const o = { ...sts({ replicas: 3 }, { creationTimestamp: '2024-01-01T00:00:00Z' }), status: { replicas: 3, readyReplicas: 2 } } as KObject;
    assert.deepEqual(p.row(o, new Date('2024-01-01T00:00:30Z')), ['web', '2/3', '30s', 'nginx', 'nginx:1']);
  });

  it('projection columns', () => {
    const o = { ...applyDefaults(STS, sts({ replicas: 3 })), status: { observedGeneration: 2, replicas: 3, readyReplicas: 2, currentRevision: 'web-a', updateRevision: 'web-b' } } as KObject;
    const row = strategyFor('StatefulSet').projection!.row(o, STS);
    assert.deepEqual(
      [row.replicas, row.ready_replicas, row.current_revision, row.update_revision, row.service_name, row.pod_management_policy, row.observed_generation, row.images],
      [3, 2, 'web-a', 'web-b', 'web', 'OrderedReady', 2, ['nginx:1']],
    );
  });
});

describe("jkctl rollout status lines (kubectl's StatefulSetStatusViewer)", () => {
  const set = (spec: Record<string, unknown>, status: Record<string, unknown> | undefined, generation = 1) =>
    ({ ...applyDefaults(STS, sts({ replicas: 3, ...spec })), metadata: { name: 'web', namespace: 'default', generation }, ...(status ? { status } : {}) }) as unknown as StatefulSet;
  const table: [string, StatefulSet, boolean, string][] = [
    ['not observed yet', set({}, undefined), false, 'Waiting for statefulset spec update to be observed...'],
    ['newer generation', set({}, { observedGeneration: 1, replicas: 3 }, 2), false, 'Waiting for statefulset spec update to be observed...'],
    ['pods not ready', set({}, { observedGeneration: 1, replicas: 3, readyReplicas: 1 }), false, 'Waiting for 2 pods to be ready...'],
    ['partition 0, updating', set({}, { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 1 }), false, 'Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...'],
    ['partition 0, done', set({}, { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3 }), true, 'partitioned roll out complete: 3 new pods have been updated...'],
    ['partition 2', set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 1 }), true, 'partitioned roll out complete: 1 new pods have been updated...'],
  ];
  for (const [name, s, done, message] of table) it(name, () => assert.deepEqual(statefulSetRolloutStatus(s), { done, message }));

  it('OnDelete is refused', () => assert.throws(() => statefulSetRolloutStatus(set({ updateStrategy: { type: 'OnDelete' } }, { observedGeneration: 1, replicas: 3 })), /only available for RollingUpdate/));
});
