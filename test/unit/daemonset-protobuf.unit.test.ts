/** Protobuf request bodies for DaemonSet and ControllerRevision (their TOP_LEVEL lines) → the JSON Kubernetes would write. */
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

const body = (kind: string, obj: object) =>
  Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion: 'apps/v1', kind }, raw: encode(kind, obj) })]);

describe('DaemonSet and ControllerRevision protobuf bodies', () => {
  it('are served (TOP_LEVEL apps/v1)', () => {
    assert.deepEqual(TOP_LEVEL.DaemonSet, ['apps/v1']);
    assert.deepEqual(TOP_LEVEL.ControllerRevision, ['apps/v1']);
  });

  it('a DaemonSet: update strategy IntOrStrings, selector, template', () => {
    const raw = body('DaemonSet', {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent:1' }] } },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: { type: 1, strVal: '10%' }, maxSurge: { type: 0, intVal: 0 } } },
        revisionHistoryLimit: 3,
      },
    });
    const o = decodeProtobufBody(raw, { apiVersion: 'apps/v1', kind: 'DaemonSet' }) as Record<string, any>;
    assert.equal(o.kind, 'DaemonSet');
    assert.deepEqual(o.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } });
    assert.deepEqual(o.spec.selector, { matchLabels: { app: 'agent' } });
    assert.equal(o.spec.revisionHistoryLimit, 3);
    assert.equal(o.spec.template.spec.containers[0].image, 'agent:1');
  });

  it('a ControllerRevision: raw data as JSON, revision', () => {
    const raw = body('ControllerRevision', { metadata: { name: 'agent-abc' }, data: { raw: Buffer.from('{"spec":{"template":{"$patch":"replace"}}}') }, revision: 2 });
    const o = decodeProtobufBody(raw, { apiVersion: 'apps/v1', kind: 'ControllerRevision' }) as Record<string, any>;
    assert.deepEqual(o.data, { spec: { template: { $patch: 'replace' } } });
    assert.equal(o.revision, 2);
  });
});
