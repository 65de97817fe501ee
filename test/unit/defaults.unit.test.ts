import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NAME_SUFFIX_ALPHABET, defaultPullPolicy, generateNameSuffix } from '../../shared/resources/defaults.js';
import { applyDefaults } from '../../shared/resources/strategy.js';
import { RESOURCES } from '../../shared/resources/registry.js';
import { validateObject } from '../../shared/resources/validation.js';
import { deepFreeze, info, newDeployment, newObject, newPod, newReplicaSet, newService } from './resource-fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at defaulted JSON
type Json = Record<string, any>;

describe('applyDefaults: Pod', () => {
  const pod = deepFreeze(
    newPod({
      containers: [
        {
          name: 'app',
          image: 'nginx:1.25',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
      initContainers: [{ name: 'init', image: 'busybox' }],
      volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'c' } }],
    }),
  );
  const d = applyDefaults(info('Pod'), pod) as Json;

  it('fills the pod-level defaults', () => {
    assert.equal(d.spec.restartPolicy, 'Always');
    assert.equal(d.spec.terminationGracePeriodSeconds, 30);
    assert.equal(d.spec.schedulerName, 'default-scheduler');
    assert.equal(d.spec.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(d.status, { phase: 'Pending' });
  });
  it('fills the container defaults', () => {
    const c = d.spec.containers[0];
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.deepEqual(c.ports, [
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
    ]);
    assert.equal(c.env[0].valueFrom.fieldRef.apiVersion, 'v1');
    assert.equal(d.spec.initContainers[0].imagePullPolicy, 'Always');
  });
  it('defaults probes', () => {
    const c = d.spec.containers[0];
    assert.deepEqual(c.livenessProbe, {
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c.readinessProbe.periodSeconds, 5);
    assert.equal(c.readinessProbe.failureThreshold, 3);
  });
  it('defaults requests to limits, keeping explicit requests', () => {
    assert.deepEqual(d.spec.containers[0].resources.requests, { cpu: '100m', memory: '128Mi' });
  });
  it('makes a volume without a source an emptyDir', () => {
    assert.deepEqual(d.spec.volumes, [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }]);
  });
  it('keeps explicit values and the status phase', () => {
    const p = applyDefaults(info('Pod'), {
      ...newPod({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, schedulerName: 'mine' }),
      status: { phase: 'Running' },
    }) as Json;
    assert.equal(p.spec.restartPolicy, 'Never');
    assert.equal(p.spec.terminationGracePeriodSeconds, 0);
    assert.equal(p.spec.schedulerName, 'mine');
    assert.equal(p.status.phase, 'Running');
  });
  it('does not touch metadata', () => {
    assert.deepEqual(d.metadata, pod.metadata);
  });
  it('produces a valid pod', () => assert.deepEqual(validateObject(info('Pod'), d as never), []));
});

describe('defaultPullPolicy', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['docker.io/library/nginx', 'Always'],
    ['registry:5000/team/app', 'Always'],
    ['registry:5000/team/app:v2', 'IfNotPresent'],
    ['registry:5000/team/app:latest', 'Always'],
    ['nginx@sha256:0123456789abcdef', 'IfNotPresent'],
    ['nginx:1.25@sha256:0123456789abcdef', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) it(`${image} → ${want}`, () => assert.equal(defaultPullPolicy(image), want));
});

describe('applyDefaults: workloads', () => {
  it('ReplicaSet: replicas 1 and a defaulted template', () => {
    const rs = applyDefaults(info('ReplicaSet'), newReplicaSet({ replicas: undefined })) as Json;
    assert.equal(rs.spec.replicas, 1);
    assert.equal(rs.spec.template.spec.restartPolicy, 'Always');
    assert.equal(rs.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(rs.spec.template.status, undefined);
    assert.equal(rs.status, undefined);
  });
  it('ReplicaSet: keeps replicas 0', () => {
    assert.equal((applyDefaults(info('ReplicaSet'), newReplicaSet({ replicas: 0 })) as Json).spec.replicas, 0);
  });
  it('Deployment: replicas, strategy, history, deadline, template', () => {
    const d = applyDefaults(info('Deployment'), newDeployment({ replicas: undefined })) as Json;
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.minReadySeconds, 0);
    assert.equal(d.spec.template.spec.dnsPolicy, 'ClusterFirst');
  });
  it('Deployment: fills only the missing half of rollingUpdate', () => {
    const d = applyDefaults(info('Deployment'), newDeployment({ strategy: { rollingUpdate: { maxSurge: 1 } } })) as Json;
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
  });
  it('Deployment: Recreate gets no rollingUpdate', () => {
    const d = applyDefaults(info('Deployment'), newDeployment({ strategy: { type: 'Recreate' } })) as Json;
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  });
});

describe('applyDefaults: other kinds', () => {
  it('Service: type, affinity, protocol and targetPort', () => {
    const s = applyDefaults(info('Service'), newService({ ports: [{ port: 80 }, { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' }] })) as Json;
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports, [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' },
    ]);
  });
  it('Secret: type Opaque; stringData merged into data as base64 (stringData wins) and removed', () => {
    const s = applyDefaults(
      info('Secret'),
      newObject('Secret', { data: { a: Buffer.from('old').toString('base64'), b: 'Yg==' }, stringData: { a: 'new', c: 'héllo' } }),
    ) as Json;
    assert.equal(s.type, 'Opaque');
    assert.equal(s.stringData, undefined);
    assert.equal('stringData' in s, false);
    assert.deepEqual(s.data, { a: Buffer.from('new').toString('base64'), b: 'Yg==', c: Buffer.from('héllo').toString('base64') });
  });
  it('Secret: keeps an explicit type', () => {
    assert.equal((applyDefaults(info('Secret'), newObject('Secret', { type: 'kubernetes.io/tls' })) as Json).type, 'kubernetes.io/tls');
  });
  it('Namespace: kubernetes finalizer and Active phase', () => {
    const ns = applyDefaults(info('Namespace'), newObject('Namespace')) as Json;
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    const terminating = applyDefaults(info('Namespace'), newObject('Namespace', { spec: { finalizers: [] }, status: { phase: 'Terminating' } })) as Json;
    assert.deepEqual(terminating.spec.finalizers, []);
    assert.equal(terminating.status.phase, 'Terminating');
  });
  it('Node: allocatable defaults to capacity; no phase', () => {
    const n = applyDefaults(info('Node'), newObject('Node', { status: { capacity: { cpu: '4', memory: '8Gi' } } })) as Json;
    assert.deepEqual(n.status.allocatable, { cpu: '4', memory: '8Gi' });
    assert.equal(n.status.phase, undefined);
    assert.deepEqual(applyDefaults(info('Node'), newObject('Node')), newObject('Node'));
  });
  it('Endpoints: port protocol TCP', () => {
    const e = applyDefaults(info('Endpoints'), newObject('Endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] })) as Json;
    assert.equal(e.subsets[0].ports[0].protocol, 'TCP');
  });
  it('leaves ConfigMap, Event and Lease alone', () => {
    for (const kind of ['ConfigMap', 'Event', 'Lease']) {
      const o = newObject(kind, { data: { a: 'b' } });
      assert.deepEqual(applyDefaults(info(kind), o), o);
    }
  });
});

describe('applyDefaults is pure and idempotent', () => {
  const samples = [
    newPod(),
    newDeployment(),
    newReplicaSet(),
    newService(),
    newObject('Secret', { stringData: { a: 'b' } }),
    newObject('Namespace'),
    newObject('Node', { status: { capacity: { cpu: '1' } } }),
  ];
  for (const obj of samples) {
    it(obj.kind, () => {
      const frozen = deepFreeze(structuredClone(obj));
      const once = applyDefaults(info(obj.kind), frozen);
      assert.notEqual(once, frozen);
      assert.deepEqual(frozen, obj);
      assert.deepStrictEqual(applyDefaults(info(obj.kind), once), once);
      // never writes undefined-valued keys (they would make "unchanged" objects compare unequal)
      assert.deepStrictEqual(JSON.parse(JSON.stringify(once)), once);
    });
  }
  it('covers every kind without throwing on a bare object', () => {
    for (const i of RESOURCES) assert.doesNotThrow(() => applyDefaults(i, newObject(i.kind)));
  });
});

describe('generateNameSuffix', () => {
  it('draws 5 characters from the Kubernetes alphabet', () => {
    for (let i = 0; i < 200; i++) assert.match(generateNameSuffix(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
  it('is deterministic for an injected random source', () => {
    assert.equal(generateNameSuffix(() => 0), 'bbbbb');
    assert.equal(generateNameSuffix(() => 0.999999), '99999');
    let n = 0;
    const seq = generateNameSuffix(() => (n++ * 1) / NAME_SUFFIX_ALPHABET.length);
    assert.equal(seq, 'bcdfg');
  });
  it('survives a random source that returns 1', () => assert.equal(generateNameSuffix(() => 1), '99999'));
});
