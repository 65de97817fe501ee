import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { checkSchema, type FieldValidation } from '../../shared/resources/schema-check.js';
import { RESOURCES } from '../../shared/resources/registry.js';
import { deepFreeze, info, newDeployment, newPod, summary } from './resource-fixtures.js';

const MODES: readonly FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

describe('checkSchema: type errors', () => {
  const cases: [string, string, unknown, string[]][] = [
    ['string replicas', 'Deployment', newDeployment({ replicas: '3' }), ['spec.replicas: FieldValueTypeInvalid']],
    ['float replicas', 'Deployment', newDeployment({ replicas: 1.5 }), ['spec.replicas: FieldValueTypeInvalid']],
    ['array spec', 'Deployment', { ...newDeployment(), spec: [] }, ['spec: FieldValueTypeInvalid']],
    ['array selector', 'Deployment', newDeployment({ selector: [{ app: 'web' }] }), ['spec.selector: FieldValueTypeInvalid']],
    [
      'numeric image in a template',
      'Deployment',
      newDeployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 5 }] } } }),
      ['spec.template.spec.containers[0].image: FieldValueTypeInvalid'],
    ],
    ['non-string label value', 'Pod', newPod({}, { labels: { app: 1 } }), ['metadata.labels: FieldValueTypeInvalid']],
    ['labels as a list', 'Pod', newPod({}, { labels: ['app'] }), ['metadata.labels: FieldValueTypeInvalid']],
    ['string containerPort', 'Pod', newPod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: '80' }] }] }), ['spec.containers[0].ports[0].containerPort: FieldValueTypeInvalid']],
    ['boolean targetPort', 'Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: true }] } }, ['spec.ports[0].targetPort: FieldValueTypeInvalid']],
    ['containers as an object', 'Pod', newPod({ containers: { name: 'a' } }), ['spec.containers: FieldValueTypeInvalid']],
    ['null inside a list', 'Pod', newPod({ containers: [null] }), ['spec.containers[0]: FieldValueTypeInvalid']],
    ['numeric configmap value', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { port: 8080 } }, ['data: FieldValueTypeInvalid']],
    ['string generation', 'Pod', newPod({}, { generation: '1' }), ['metadata.generation: FieldValueTypeInvalid']],
    ['numeric name', 'Pod', newPod({}, { name: 7 }), ['metadata.name: FieldValueTypeInvalid']],
    ['string leaseDurationSeconds', 'Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { leaseDurationSeconds: '15' } }, ['spec.leaseDurationSeconds: FieldValueTypeInvalid']],
    ['typed status field', 'Deployment', { ...newDeployment(), status: { replicas: 'three' } }, ['status.replicas: FieldValueTypeInvalid']],
    ['missing metadata', 'Pod', { apiVersion: 'v1', kind: 'Pod', spec: {} }, ['metadata: FieldValueRequired']],
    ['missing kind and apiVersion', 'Pod', { metadata: { name: 'p' } }, ['apiVersion: FieldValueRequired', 'kind: FieldValueRequired']],
  ];
  for (const [name, kind, obj, want] of cases) {
    it(`${kind}: ${name}`, () => {
      for (const mode of MODES) assert.deepEqual(summary(checkSchema(info(kind), obj, mode).causes), want, mode);
    });
  }

  it('phrases type errors with the value and the expected type', () => {
    const [c] = checkSchema(info('Deployment'), newDeployment({ replicas: '3' }), 'Strict').causes;
    assert.equal(c?.message, 'Invalid value: "3": must be of type integer');
    const [l] = checkSchema(info('Pod'), newPod({}, { labels: { app: true } }), 'Strict').causes;
    assert.equal(l?.message, 'Invalid value: true: the value of key "app" must be of type string');
  });

  for (const body of [[], 'pod', null, 42, true]) {
    it(`rejects a non-object body ${JSON.stringify(body)}`, () => {
      const r = checkSchema(info('Pod'), body, 'Strict');
      assert.equal(r.causes.length, 1);
      assert.equal(r.causes[0]!.reason, 'FieldValueTypeInvalid');
    });
  }
});

describe('checkSchema: unknown fields', () => {
  const body = deepFreeze(
    newDeployment({
      foo: 1,
      template: {
        metadata: { labels: { app: 'web' }, bogus: 'x' },
        spec: { containers: [{ name: 'a', image: 'nginx', imagePullPolicy: 'Always', colour: 'red' }] },
      },
    }, { extra: true }),
  );
  const unknown = ['metadata.extra', 'spec.foo', 'spec.template.metadata.bogus', 'spec.template.spec.containers[0].colour'];

  it('Strict: each unknown field is a FieldValueUnknown cause', () => {
    const r = checkSchema(info('Deployment'), body, 'Strict');
    assert.deepEqual(summary(r.causes).sort(), unknown.map((f) => `${f}: FieldValueUnknown`).sort());
    assert.ok(r.causes.some((c) => c.message === 'unknown field "spec.foo"'));
  });

  for (const mode of ['Warn', 'Ignore'] as const) {
    it(`${mode}: unknown fields are listed and dropped from a copy`, () => {
      const r = checkSchema(info('Deployment'), body, mode);
      assert.deepEqual(r.causes, []);
      assert.deepEqual([...r.unknownFields].sort(), [...unknown].sort());
      const spec = r.object.spec as { foo?: unknown; template: { metadata: Record<string, unknown>; spec: { containers: Record<string, unknown>[] } } };
      assert.equal(spec.foo, undefined);
      assert.deepEqual(spec.template.metadata, { labels: { app: 'web' } });
      assert.deepEqual(spec.template.spec.containers[0], { name: 'a', image: 'nginx', imagePullPolicy: 'Always' });
      assert.equal((r.object.metadata as Record<string, unknown>).extra, undefined);
      assert.notEqual(r.object, body);
      // the (frozen) input is untouched
      assert.equal((body.spec as { foo: number }).foo, 1);
    });
  }

  it('reports an unknown top-level field', () => {
    const r = checkSchema(info('ConfigMap'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, spec: {} }, 'Strict');
    assert.deepEqual(summary(r.causes), ['spec: FieldValueUnknown']);
  });

  it('returns a copy even when nothing is removed, with nulls dropped', () => {
    const input = newPod({}, { creationTimestamp: null });
    const r = checkSchema(info('Pod'), input, 'Strict');
    assert.deepEqual(r.causes, []);
    assert.notEqual(r.object, input);
    assert.equal('creationTimestamp' in r.object.metadata, false);
    assert.equal('creationTimestamp' in input.metadata, true);
  });

  it('treats __proto__ as data (an unknown field), not as a prototype', () => {
    const body = JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"b"},"__proto__":{"polluted":true}}');
    const r = checkSchema(info('ConfigMap'), body, 'Warn');
    assert.deepEqual(r.unknownFields, ['__proto__']);
    assert.equal((r.object as { polluted?: unknown }).polluted, undefined);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});

describe('checkSchema: real manifests round-trip', () => {
  it('accepts `kubectl get pod -o yaml` output in Strict mode', () => {
    const pod = parseYaml(`
apiVersion: v1
kind: Pod
metadata:
  annotations:
    kubectl.kubernetes.io/restartedAt: "2024-05-01T10:00:00Z"
  creationTimestamp: "2024-05-01T10:00:00Z"
  generateName: web-7d4b9c8f6d-
  labels:
    app: web
    pod-template-hash: 7d4b9c8f6d
  name: web-7d4b9c8f6d-x2k9p
  namespace: default
  ownerReferences:
  - apiVersion: apps/v1
    blockOwnerDeletion: true
    controller: true
    kind: ReplicaSet
    name: web-7d4b9c8f6d
    uid: 0b1c2d3e-0000-4000-8000-000000000001
  resourceVersion: "12345"
  uid: 0b1c2d3e-0000-4000-8000-000000000002
  managedFields:
  - apiVersion: v1
    fieldsType: FieldsV1
    fieldsV1:
      f:metadata: {}
    manager: kube-controller-manager
    operation: Update
    time: "2024-05-01T10:00:00Z"
  finalizers: [example.com/cleanup]
spec:
  containers:
  - env:
    - name: POD_NAME
      valueFrom:
        fieldRef:
          apiVersion: v1
          fieldPath: metadata.name
    - name: PASSWORD
      valueFrom:
        secretKeyRef: {name: db, key: password, optional: false}
    envFrom:
    - configMapRef: {name: web-config}
    image: nginx:1.25
    imagePullPolicy: IfNotPresent
    livenessProbe:
      failureThreshold: 3
      httpGet: {path: /healthz, port: http, scheme: HTTP}
      periodSeconds: 10
      successThreshold: 1
      timeoutSeconds: 1
    name: web
    ports:
    - {containerPort: 80, name: http, protocol: TCP}
    readinessProbe:
      tcpSocket: {port: 80}
    resources:
      limits: {cpu: 500m, memory: 128Mi}
      requests: {cpu: 250m, memory: 64Mi}
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
    lifecycle:
      preStop:
        exec: {command: [sleep, "5"]}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    volumeMounts:
    - {mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access, readOnly: true}
    - {mountPath: /cache, name: cache}
  dnsPolicy: ClusterFirst
  enableServiceLinks: true
  nodeName: node-1
  preemptionPolicy: PreemptLowerPriority
  priority: 0
  restartPolicy: Always
  schedulerName: default-scheduler
  securityContext: {runAsNonRoot: true}
  serviceAccount: default
  serviceAccountName: default
  terminationGracePeriodSeconds: 30
  tolerations:
  - {effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: kubernetes.io/os, operator: In, values: [linux]}
  volumes:
  - name: kube-api-access
    projected:
      defaultMode: 420
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
  - name: cache
    emptyDir: {sizeLimit: 1Gi}
status:
  conditions:
  - {lastProbeTime: null, lastTransitionTime: "2024-05-01T10:00:01Z", status: "True", type: Ready}
  containerStatuses:
  - containerID: containerd://abc
    image: docker.io/library/nginx:1.25
    imageID: docker.io/library/nginx@sha256:abc
    lastState: {}
    name: web
    ready: true
    restartCount: 0
    started: true
    state:
      running: {startedAt: "2024-05-01T10:00:01Z"}
  hostIP: 10.0.0.1
  hostIPs: [{ip: 10.0.0.1}]
  phase: Running
  podIP: 10.244.0.5
  podIPs: [{ip: 10.244.0.5}]
  qosClass: Burstable
  startTime: "2024-05-01T10:00:00Z"
`);
    const r = checkSchema(info('Pod'), pod, 'Strict');
    assert.deepEqual(r.causes, []);
    assert.deepEqual(r.unknownFields, []);
  });

  it('accepts a Deployment and Service as `kubectl create --dry-run -o yaml` prints them', () => {
    const docs = [
      `apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels: {app: web}
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels: {app: web}
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
status: {}`,
      `apiVersion: v1
kind: Service
metadata:
  creationTimestamp: null
  labels: {app: web}
  name: web
spec:
  ports:
  - name: 80-8080
    port: 80
    protocol: TCP
    targetPort: 8080
  selector: {app: web}
  type: ClusterIP
status:
  loadBalancer: {}`,
    ];
    for (const d of docs) {
      const obj = parseYaml(d) as { kind: string };
      assert.deepEqual(checkSchema(info(obj.kind), obj, 'Strict').causes, [], obj.kind);
    }
  });

  it('every kind accepts a minimal object', () => {
    for (const i of RESOURCES) {
      const obj = { apiVersion: i.group ? `${i.group}/v1` : 'v1', kind: i.kind, metadata: { name: 'x' } };
      assert.deepEqual(checkSchema(i, obj, 'Strict').causes, [], i.kind);
    }
  });
});

describe('schemas made from Kubernetes\' OpenAPI definitions (kinds without a hand-written one)', () => {
  const job = { kind: 'Job', plural: 'jobs', singular: 'job', group: 'batch', version: 'v1', namespaced: true, shortNames: [], table: 'jobs', subresources: [] } as const;
  const valid = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', labels: { a: 'b' } },
    spec: { backoffLimit: 2, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], resources: { limits: { cpu: 1, memory: '64Mi' } } }] } } },
  };
  it('accepts a valid object (quantities as numbers or strings)', () => {
    const r = checkSchema(job, valid, 'Strict');
    assert.deepEqual(r.causes, []);
  });
  it('finds unknown fields at Kubernetes paths, in Strict as causes and in Warn dropped', () => {
    const bad = { ...valid, spec: { ...valid.spec, bogus: 1, template: { spec: { ...valid.spec.template.spec, containers: [{ name: 'c', image: 'i', extra: true }] } } } };
    const strict = checkSchema(job, bad, 'Strict');
    assert.deepEqual(strict.unknownFields.sort(), ['spec.bogus', 'spec.template.spec.containers[0].extra']);
    assert.equal(strict.causes.length, 2);
    const warn = checkSchema(job, bad, 'Warn');
    assert.deepEqual(warn.causes, []);
    assert.equal((warn.object as { spec: { bogus?: number } }).spec.bogus, undefined);
  });
  it('reports a wrong type where it is; IntOrString takes either', () => {
    const r = checkSchema(job, { ...valid, spec: { ...valid.spec, backoffLimit: 'two' } }, 'Strict');
    assert.deepEqual(r.causes.map((c) => c.field), ['spec.backoffLimit']);
    const probe = (port: unknown) => ({ ...valid, spec: { ...valid.spec, template: { spec: { ...valid.spec.template.spec, containers: [{ name: 'c', image: 'i', readinessProbe: { httpGet: { port } } }] } } } });
    assert.deepEqual(checkSchema(job, probe(8080), 'Strict').causes, []);
    assert.deepEqual(checkSchema(job, probe('http'), 'Strict').causes, []);
    assert.deepEqual(checkSchema(job, probe(true), 'Strict').causes.map((c) => c.field), ['spec.template.spec.containers[0].readinessProbe.httpGet.port']);
  });
  it('ServiceAccount is validated by its generated schema', () => {
    const sa = { kind: 'ServiceAccount', plural: 'serviceaccounts', singular: 'serviceaccount', group: '', version: 'v1', namespaced: true, shortNames: ['sa'], table: 'serviceaccounts', subresources: [] } as const;
    assert.deepEqual(checkSchema(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, secrets: [{ name: 'x' }], automountServiceAccountToken: false }, 'Strict').causes, []);
    const bad = checkSchema(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's' }, automountServiceAccountToken: 'no', foo: 1 }, 'Strict');
    assert.deepEqual(bad.causes.map((c) => `${c.field} ${c.reason}`).sort(), ['automountServiceAccountToken FieldValueTypeInvalid', 'foo FieldValueUnknown']);
  });
});
