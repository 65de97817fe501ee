/** Protobuf request bodies for StatefulSet (its TOP_LEVEL line) → the JSON Kubernetes would write. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRoot, decodeProtobufBody, ENVELOPE, MAGIC, MESSAGES, TOP_LEVEL, WRAPPERS } from '../../services/gateway/protobuf/index.js';

const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);

function encode(type: string, obj: object): Uint8Array {
  const T = root.lookupType(`jk.${type}`);
  const err = T.verify(obj);
  if (err) throw new Error(`test body for ${type}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}

const body = (kind: string, obj: object) => Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion: 'apps/v1', kind }, raw: encode(kind, obj) })]);

describe('StatefulSet protobuf bodies', () => {
  it('are served (TOP_LEVEL apps/v1)', () => assert.deepEqual(TOP_LEVEL.StatefulSet, ['apps/v1']));

  it('a StatefulSet: replicas, serviceName, pod management policy, partition, selector, template', () => {
    const raw = body('StatefulSet', {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        serviceName: 'web',
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        minReadySeconds: 5,
      },
    });
    const o = decodeProtobufBody(raw, { apiVersion: 'apps/v1', kind: 'StatefulSet' }) as Record<string, any>;
    assert.equal(o.kind, 'StatefulSet');
    assert.equal(o.apiVersion, 'apps/v1');
    assert.equal(o.spec.replicas, 3);
    assert.equal(o.spec.serviceName, 'web');
    assert.equal(o.spec.podManagementPolicy, 'Parallel');
    assert.deepEqual(o.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 2 } });
    assert.deepEqual(o.spec.selector, { matchLabels: { app: 'web' } });
    assert.equal(o.spec.minReadySeconds, 5);
    assert.equal(o.spec.template.spec.containers[0].image, 'nginx:1');
  });
});
