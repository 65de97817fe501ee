/**
 * Kubernetes protobuf request bodies → the JSON objects Kubernetes would write for them.
 * Two sources of bytes: kubectl 1.32's own request bodies (test/fixtures/protobuf/*.pb, checked
 * against its `--dry-run=client -o json` output for the same command where it has one), and bodies encoded here
 * with the same schema, for the rules kubectl's generators don't reach.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  buildRoot,
  decodeProtobufBody,
  decodeProtobufRequest,
  ENVELOPE,
  MAGIC,
  MESSAGES,
  TOP_LEVEL,
  WRAPPERS,
  type Expected,
} from '../../services/gateway/protobuf/index.js';
import { isApiError, type ApiError } from '../../shared/errors.js';
import { RESOURCES, apiVersionOf } from '../../shared/resources/registry.js';

const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);

/** Encode `obj` as message `type` of our schema. */
function encode(type: string, obj: object): Uint8Array {
  const T = root.lookupType(`jk.${type}`);
  const err = T.verify(obj);
  if (err) throw new Error(`test body for ${type}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}

/** The magic and a runtime.Unknown around `raw`. */
function envelope(apiVersion: string, kind: string, raw: Uint8Array, extra: object = {}): Buffer {
  return Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion, kind }, raw, ...extra })]);
}

const body = (e: Expected, obj: object) => envelope(e.apiVersion, e.kind, encode(e.kind, obj));

const V1 = (kind: string): Expected => ({ apiVersion: 'v1', kind });
const APPS = (kind: string): Expected => ({ apiVersion: 'apps/v1', kind });

function fails(f: () => unknown, reason: string, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isApiError(e), `an ApiError, got ${String(e)}`);
    assert.equal((e as ApiError).reason, reason, (e as ApiError).message);
    assert.match((e as ApiError).message, message);
    return true;
  });
}

describe('protobuf bodies: kubectl 1.32 request bodies', () => {
  // Captured from `kubectl <command>` (its POST body) and `kubectl <command> --dry-run=client -o json`.
  const cases: [fixture: string, expected: Expected, command: string][] = [
    ['namespace', V1('Namespace'), 'create namespace x'],
    ['configmap', V1('ConfigMap'), 'create configmap c --from-literal=a=b --from-file=f.txt --from-file=b.bin'],
    ['secret', V1('Secret'), 'create secret generic sec --from-literal=p=q --from-file=f.txt'],
    ['deployment', APPS('Deployment'), 'create deployment web --image=nginx --replicas=2 --port=80'],
    ['service-clusterip', V1('Service'), 'create service clusterip s --tcp=80:8080'],
    ['service-nodeport', V1('Service'), 'create service nodeport n --tcp=80:8080'],
    // No --dry-run for debug: the expected JSON is what kubectl's debug code builds (a host-root
    // hostPath volume, host namespaces, a toleration for everything, the node's name).
    ['pod-debug-node', V1('Pod'), 'debug node/n1 --image=busybox'],
  ];
  for (const [fixture, expected, command] of cases) {
    it(`kubectl ${command}: the same object as its JSON`, async () => {
      const dir = new URL('../../../test/fixtures/protobuf/', import.meta.url);
      const pb = await readFile(new URL(`${fixture}.pb`, dir));
      const json = JSON.parse(await readFile(new URL(`${fixture}.json`, dir), 'utf8'));
      assert.deepEqual(decodeProtobufBody(pb, expected), json);
    });
  }

  it('kubectl drain --disable-eviction --grace-period=0: a DeleteOptions on the pod DELETE', async () => {
    const pb = await readFile(new URL('../../../test/fixtures/protobuf/delete-options-drain.pb', import.meta.url));
    assert.deepEqual(decodeProtobufRequest('DELETE', '/api/v1/namespaces/default/pods/p', pb), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  });

  it('binary ConfigMap data and Secret data arrive as base64', async () => {
    const dir = new URL('../../../test/fixtures/protobuf/', import.meta.url);
    const cm = decodeProtobufBody(await readFile(new URL('configmap.pb', dir)), V1('ConfigMap'));
    assert.deepEqual(cm.binaryData, { 'b.bin': Buffer.from([0, 1, 0xff]).toString('base64') });
    const secret = decodeProtobufBody(await readFile(new URL('secret.pb', dir)), V1('Secret'));
    assert.deepEqual(secret.data, { p: Buffer.from('q').toString('base64'), 'f.txt': Buffer.from('hello file').toString('base64') });
  });
});

describe('protobuf bodies: conversion rules', () => {
  const cases: [name: string, expected: Expected, message: object, json: object][] = [
    [
      'metadata: times as RFC 3339 (zero: null), int64 as numbers, set pointers even when zero, owner references, managed fields',
      V1('ConfigMap'),
      {
        metadata: {
          name: 'c',
          namespace: 'ns',
          generation: 3,
          creationTimestamp: { seconds: 1700000000, nanos: 500 },
          deletionTimestamp: { seconds: 1700000001 },
          deletionGracePeriodSeconds: 0,
          labels: { a: 'b' },
          annotations: { 'x/y': '' },
          finalizers: ['f'],
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
          managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', time: { seconds: 0 }, fieldsType: 'FieldsV1', fieldsV1: { Raw: Buffer.from('{"f:data":{}}') } }],
        },
        immutable: false,
      },
      {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: {
          name: 'c',
          namespace: 'ns',
          generation: 3,
          creationTimestamp: '2023-11-14T22:13:20Z',
          deletionTimestamp: '2023-11-14T22:13:21Z',
          deletionGracePeriodSeconds: 0,
          labels: { a: 'b' },
          annotations: { 'x/y': '' },
          finalizers: ['f'],
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }],
          managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', time: '1970-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': {} } }],
        },
        immutable: false,
      },
    ],
    [
      'an empty message: structs written, omitempty fields not, null for an unset Time',
      V1('Namespace'),
      {},
      { kind: 'Namespace', apiVersion: 'v1', metadata: { creationTimestamp: null }, spec: {}, status: {} },
    ],
    [
      'Secret: bytes as base64, stringData and type as they are',
      V1('Secret'),
      { metadata: { name: 's' }, data: { bin: Buffer.from([0, 0xfe, 0x10]) }, stringData: { plain: 'text' }, type: 'Opaque', immutable: true },
      { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', creationTimestamp: null }, data: { bin: 'AP4Q' }, stringData: { plain: 'text' }, type: 'Opaque', immutable: true },
    ],
    [
      'Service: IntOrString as a number or a string, required port fields written when zero',
      V1('Service'),
      {
        metadata: { name: 'svc' },
        spec: {
          type: 'NodePort',
          ports: [
            { name: 'http', protocol: 'TCP', port: 80, targetPort: { type: 1, strVal: 'web' }, nodePort: 30080 },
            { name: 'metrics', port: 9090, targetPort: { type: 0, intVal: 9091 } },
            { name: 'zero', port: 0 },
          ],
          selector: { app: 'x' },
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
          ipFamilyPolicy: 'SingleStack',
          clusterIPs: ['10.0.0.1'],
        },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ports: [{ port: 80, protocol: 'TCP' }] }] } },
      },
      {
        kind: 'Service',
        apiVersion: 'v1',
        metadata: { name: 'svc', creationTimestamp: null },
        spec: {
          type: 'NodePort',
          ports: [
            { name: 'http', protocol: 'TCP', port: 80, targetPort: 'web', nodePort: 30080 },
            { name: 'metrics', port: 9090, targetPort: 9091 },
            { name: 'zero', port: 0, targetPort: 0 },
          ],
          selector: { app: 'x' },
          sessionAffinity: 'ClientIP',
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
          ipFamilyPolicy: 'SingleStack',
          clusterIPs: ['10.0.0.1'],
        },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ports: [{ port: 80, protocol: 'TCP' }] }] } },
      },
    ],
    [
      'Deployment: replicas 0 kept (a pointer), rolling-update IntOrStrings, zero omitempty fields dropped',
      APPS('Deployment'),
      {
        metadata: { name: 'd' },
        spec: {
          replicas: 0,
          paused: false,
          minReadySeconds: 0,
          revisionHistoryLimit: 5,
          selector: { matchLabels: { app: 'd' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { type: 1, strVal: '25%' }, maxUnavailable: { type: 0, intVal: 0 } } },
          template: {
            metadata: { labels: { app: 'd' } },
            spec: {
              containers: [
                {
                  name: 'c',
                  image: 'nginx',
                  command: ['nginx', '-g', 'daemon off;'],
                  env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }],
                  ports: [{ containerPort: 80, protocol: 'TCP' }],
                  resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } }, requests: { cpu: { string: '100m' } } },
                  volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
                },
              ],
              volumes: [
                { name: 'data', volumeSource: { emptyDir: { sizeLimit: { string: '1Gi' } } } },
                { name: 'cfg', volumeSource: { configMap: { localObjectReference: { name: 'cm' }, defaultMode: 420 } } },
                { name: 'host', volumeSource: { hostPath: { path: '/' } } },
              ],
              tolerations: [{ operator: 'Exists', tolerationSeconds: 30 }],
              terminationGracePeriodSeconds: 30,
            },
          },
        },
      },
      {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata: { name: 'd', creationTimestamp: null },
        spec: {
          replicas: 0,
          revisionHistoryLimit: 5,
          selector: { matchLabels: { app: 'd' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template: {
            metadata: { labels: { app: 'd' }, creationTimestamp: null },
            spec: {
              containers: [
                {
                  name: 'c',
                  image: 'nginx',
                  command: ['nginx', '-g', 'daemon off;'],
                  env: [{ name: 'A', value: '1' }, { name: 'EMPTY' }],
                  ports: [{ containerPort: 80, protocol: 'TCP' }],
                  resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
                  volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }],
                },
              ],
              volumes: [
                { name: 'data', emptyDir: { sizeLimit: '1Gi' } },
                { name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } },
                { name: 'host', hostPath: { path: '/' } },
              ],
              tolerations: [{ operator: 'Exists', tolerationSeconds: 30 }],
              terminationGracePeriodSeconds: 30,
            },
          },
        },
        status: {},
      },
    ],
    [
      'Pod: a spec without containers writes containers: null (no omitempty), an empty status {}',
      V1('Pod'),
      // Go's marshaller writes a status's non-pointer strings even when empty, as kubectl debug sends it.
      { metadata: { name: 'p' }, spec: { nodeName: 'n1', hostNetwork: true, restartPolicy: 'Never' }, status: { phase: '', message: '', reason: '', hostIP: '', podIP: '', qosClass: '', nominatedNodeName: '', resize: '' } },
      { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', creationTimestamp: null }, spec: { containers: null, nodeName: 'n1', hostNetwork: true, restartPolicy: 'Never' }, status: {} },
    ],
    [
      'ReplicaSet: replicas a pointer, status replicas always written, a condition',
      APPS('ReplicaSet'),
      {
        metadata: { name: 'rs' },
        spec: { replicas: 0, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
        status: { observedGeneration: 2, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }] },
      },
      {
        kind: 'ReplicaSet', apiVersion: 'apps/v1', metadata: { name: 'rs', creationTimestamp: null },
        spec: { replicas: 0, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'i', resources: {} }] } } },
        status: { replicas: 0, observedGeneration: 2, conditions: [{ type: 'ReplicaFailure', status: 'True', lastTransitionTime: null, reason: 'FailedCreate' }] },
      },
    ],
    [
      'Event: a client-go recorder\'s event (source written as a struct, reporting fields always, unset times null)',
      V1('Event'),
      { metadata: { name: 'p.1', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'd' }, reason: 'Started', message: 'ok', source: { component: 'op' }, firstTimestamp: { seconds: 1700000000 }, lastTimestamp: { seconds: 1700000000 }, count: 1, type: 'Normal' },
      {
        kind: 'Event', apiVersion: 'v1', metadata: { name: 'p.1', namespace: 'd', creationTimestamp: null },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'd' }, reason: 'Started', message: 'ok', source: { component: 'op' },
        firstTimestamp: '2023-11-14T22:13:20Z', lastTimestamp: '2023-11-14T22:13:20Z', count: 1, type: 'Normal', eventTime: null, reportingComponent: '', reportingInstance: '',
      },
    ],
    [
      'Eviction (policy/v1): its DeleteOptions, a zero grace period kept',
      { apiVersion: 'policy/v1', kind: 'Eviction' },
      { metadata: { name: 'p', namespace: 'd' }, deleteOptions: { gracePeriodSeconds: 0 } },
      { kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'p', namespace: 'd', creationTimestamp: null }, deleteOptions: { gracePeriodSeconds: 0 } },
    ],
    [
      'Lease: pointers written when set, MicroTime with microseconds (what client-go leader election sends)',
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
      { metadata: { name: 'op', namespace: 'kube-system' }, spec: { holderIdentity: 'a_1', leaseDurationSeconds: 15, acquireTime: { seconds: 1700000000, nanos: 123456789 }, renewTime: { seconds: 1700000005 }, leaseTransitions: 0 } },
      {
        kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'op', namespace: 'kube-system', creationTimestamp: null },
        spec: { holderIdentity: 'a_1', leaseDurationSeconds: 15, acquireTime: '2023-11-14T22:13:20.123456Z', renewTime: '2023-11-14T22:13:25.000000Z', leaseTransitions: 0 },
      },
    ],
    [
      // Once answered 415 (the hand-written table had no Probe, SecurityContext or Affinity).
      'Pod: probes (an inline handler, an IntOrString port), security contexts, affinity, an env var from a secret',
      V1('Pod'),
      {
        metadata: { name: 'p' },
        spec: {
          containers: [
            {
              name: 'c',
              env: [{ name: 'PW', valueFrom: { secretKeyRef: { localObjectReference: { name: 's' }, key: 'pw' } } }],
              livenessProbe: { handler: { httpGet: { path: '/healthz', port: { type: 1, strVal: 'http' } } }, periodSeconds: 5 },
              readinessProbe: { handler: { exec: { command: ['true'] } }, initialDelaySeconds: 0 },
              securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false },
            },
          ],
          securityContext: { runAsUser: 1000, fsGroup: 2000 },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        },
      },
      {
        kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', creationTimestamp: null },
        spec: {
          containers: [
            {
              name: 'c',
              env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } }],
              resources: {},
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
              readinessProbe: { exec: { command: ['true'] } },
              securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: false },
            },
          ],
          securityContext: { runAsUser: 1000, fsGroup: 2000 },
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        },
        status: {},
      },
    ],
    [
      'Endpoints: addresses with a target reference and a node name, ports with the port always written',
      V1('Endpoints'),
      {
        metadata: { name: 'web' },
        subsets: [{ addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: 'd' } }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 0, protocol: 'TCP' }] }],
      },
      {
        kind: 'Endpoints', apiVersion: 'v1', metadata: { name: 'web', creationTimestamp: null },
        subsets: [{ addresses: [{ ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p', namespace: 'd' } }], notReadyAddresses: [{ ip: '10.0.0.2' }], ports: [{ name: 'http', port: 0, protocol: 'TCP' }] }],
      },
    ],
  ];
  for (const [name, expected, message, json] of cases) {
    it(name, () => {
      assert.deepEqual(decodeProtobufBody(body(expected, message), expected), json);
    });
  }
});

describe('protobuf bodies: rejected', () => {
  const ns = body(V1('Namespace'), { metadata: { name: 'x' } });
  const cases: [name: string, bytes: () => Uint8Array, expected: Expected, reason: string, message: RegExp][] = [
    ['an empty body', () => Buffer.alloc(0), V1('Namespace'), 'BadRequest', /magic/],
    ['no magic (a JSON body)', () => Buffer.from('{"kind":"Namespace"}'), V1('Namespace'), 'BadRequest', /magic/],
    ['the envelope cut short', () => ns.subarray(0, ns.length - 6), V1('Namespace'), 'BadRequest', /truncated|corrupt/],
    ['garbage after the envelope', () => Buffer.concat([ns, Buffer.from([0xff, 0xff, 0x01])]), V1('Namespace'), 'BadRequest', /invalid protobuf/],
    ['a second raw field after the envelope', () => Buffer.concat([ns, encode('Unknown', { raw: Buffer.from([0x0a, 0x00]) })]), V1('Namespace'), 'BadRequest', /twice/],
    [
      'the object cut short',
      () => envelope('v1', 'Namespace', encode('Namespace', { metadata: { name: 'abcdef' } }).subarray(0, 5)),
      V1('Namespace'),
      'BadRequest',
      /truncated or corrupt/,
    ],
    ['garbage after the object', () => envelope('v1', 'Namespace', Buffer.concat([encode('Namespace', {}), Buffer.from([0x07])])), V1('Namespace'), 'BadRequest', /invalid protobuf/],
    ['an unknown field', () => envelope('v1', 'Namespace', Buffer.from([0xa0, 0x06, 0x01])), V1('Namespace'), 'BadRequest', /unknown field/],
    ['a field with the wrong wire type', () => envelope('v1', 'Namespace', Buffer.from([0x08, 0x01])), V1('Namespace'), 'BadRequest', /wrong wire type/],
    ['another kind than the URL', () => ns, V1('ConfigMap'), 'BadRequest', /Namespace in v1, but the URL is for ConfigMap/],
    ['another apiVersion than the URL', () => envelope('apps/v1beta1', 'Deployment', encode('Deployment', {})), APPS('Deployment'), 'BadRequest', /apps\/v1beta1/],
    ['no kind', () => envelope('v1', '', encode('Namespace', {})), V1('Namespace'), 'BadRequest', /Kind' is missing/],
    ['a content encoding', () => envelope('v1', 'Namespace', encode('Namespace', {}), { contentEncoding: 'gzip' }), V1('Namespace'), 'BadRequest', /contentEncoding/],
    ['a "__proto__" label', () => body(V1('Namespace'), { metadata: { labels: { ['__proto__']: 'x' } } }), V1('Namespace'), 'BadRequest', /__proto__/],
    ['an empty quantity', () => body(V1('Pod'), { spec: { containers: [{ name: 'c', resources: { limits: { cpu: { string: '' } } } }] } }), V1('Pod'), 'BadRequest', /limits\[cpu\]: a quantity cannot be empty/],
    ['an IntOrString of type 2', () => body(V1('Service'), { spec: { ports: [{ port: 1, targetPort: { type: 2 } }] } }), V1('Service'), 'BadRequest', /IntOrString type/],
    ['a kind without a protobuf definition', () => envelope('v1', 'Node', Buffer.alloc(0)), V1('Node'), 'UnsupportedMediaType', /protobuf is not supported for Node/],
  ];
  for (const [name, bytes, expected, reason, message] of cases) {
    it(`${name}: ${reason}`, () => fails(() => decodeProtobufBody(bytes(), expected), reason, message));
  }

  it('every served kind either decodes or answers 415', () => {
    for (const info of RESOURCES) {
      const e = { apiVersion: apiVersionOf(info), kind: info.kind };
      const raw = envelope(e.apiVersion, e.kind, Buffer.alloc(0));
      if (TOP_LEVEL[info.kind]?.includes(e.apiVersion)) assert.equal(decodeProtobufBody(raw, e).kind, info.kind);
      else fails(() => decodeProtobufBody(raw, e), 'UnsupportedMediaType', new RegExp(`protobuf is not supported for ${info.kind}`));
    }
  });
});

describe('protobuf bodies: requests', () => {
  it('a create decodes the kind of its URL', () => {
    const cm = body(V1('ConfigMap'), { metadata: { name: 'c' }, data: { a: 'b' } });
    assert.deepEqual(decodeProtobufRequest('POST', '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create', cm)?.data, { a: 'b' });
    assert.equal(decodeProtobufRequest('PUT', '/api/v1/namespaces/default/configmaps/c', cm)?.kind, 'ConfigMap');
  });
  it('a status update carries the resource itself; scale and binding their own kinds (415)', () => {
    const pod = body(V1('Pod'), { metadata: { name: 'p' } });
    assert.equal(decodeProtobufRequest('PUT', '/api/v1/namespaces/default/pods/p/status', pod)?.kind, 'Pod');
    fails(() => decodeProtobufRequest('POST', '/api/v1/namespaces/default/pods/p/binding', envelope('v1', 'Binding', Buffer.alloc(0))), 'UnsupportedMediaType', /Binding/);
    fails(() => decodeProtobufRequest('PUT', '/apis/apps/v1/namespaces/default/deployments/d/scale', envelope('autoscaling/v1', 'Scale', Buffer.alloc(0))), 'UnsupportedMediaType', /Scale/);
  });
  it('a delete decodes DeleteOptions (in the resource group or meta.k8s.io)', () => {
    const opts = { gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u1' }, dryRun: ['All'] };
    const json = { kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Foreground', preconditions: { uid: 'u1' }, dryRun: ['All'] };
    assert.deepEqual(decodeProtobufRequest('DELETE', '/api/v1/namespaces/default/pods/p', envelope('v1', 'DeleteOptions', encode('DeleteOptions', opts))), { ...json, apiVersion: 'v1' });
    assert.deepEqual(
      decodeProtobufRequest('DELETE', '/apis/apps/v1/namespaces/default/deployments/d', envelope('meta.k8s.io/v1', 'DeleteOptions', encode('DeleteOptions', opts))),
      { ...json, apiVersion: 'meta.k8s.io/v1' },
    );
    fails(() => decodeProtobufRequest('DELETE', '/api/v1/namespaces/default/pods/p', body(V1('Pod'), {})), 'BadRequest', /expected DeleteOptions/);
  });
  it('leaves PATCH and unknown paths to the handler (415, 404)', () => {
    const cm = body(V1('ConfigMap'), {});
    assert.equal(decodeProtobufRequest('PATCH', '/api/v1/namespaces/default/configmaps/c', cm), undefined);
    assert.equal(decodeProtobufRequest('POST', '/apis/example.com/v1/namespaces/default/widgets', cm), undefined);
  });
});
