/** NodeRestriction's decision (what a node's credential may write) and the Node authorizer's read side. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenLabels, nodeNameOf, nodeRestriction, type NodeWrite } from '../../services/gateway/authz/node-restriction.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { RequestAttributes, UserInfo } from '../../shared/auth/user.js';
import type { Pod } from '../../shared/resources/types.js';
import { nodeReadRefusal } from '../../services/gateway/authz/node-authorizer.js';

const n1: UserInfo = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const node = (name: string, labels: Record<string, string> = {}, taints: object[] = []): KObject =>
  ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } }) as KObject;
const pod = (nodeName: string, over: Partial<KObject['metadata']> = {}, spec: object = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...over }, spec: { nodeName, containers: [{ name: 'c', image: 'i' }], ...spec } }) as KObject;
const mirror = (spec: object = {}, owner: object = { apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u', controller: true }) =>
  pod('n1', { annotations: { 'kubernetes.io/config.mirror': 'x' }, ownerReferences: [owner as never] }, spec);

const w = (over: Partial<NodeWrite>): NodeWrite => ({ operation: 'update', resource: 'nodes', group: '', namespace: '', name: 'n1', ...over });

describe('nodeNameOf', () => {
  const cases: [string, UserInfo, string | undefined][] = [
    ['a node', n1, 'n1'],
    ['the name without the group is no node', { username: 'system:node:n1', groups: [] }, undefined],
    ['the group without the name is no node', { username: 'alice', groups: ['system:nodes'] }, undefined],
    ['an empty node name', { username: 'system:node:', groups: ['system:nodes'] }, ''],
  ];
  for (const [name, user, want] of cases) it(name, () => assert.equal(nodeNameOf(user), want));
});

describe('nodeRestriction', () => {
  const cases: [string, UserInfo, NodeWrite, string | undefined][] = [
    ['not a node: anything goes', { username: 'alice', groups: [] }, w({ name: 'n2' }), undefined],
    ['own node status', n1, w({ subresource: 'status', object: node('n1'), old: node('n1') }), undefined],
    ['another node', n1, w({ name: 'n2', object: node('n2'), old: node('n2') }), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['delete another node', n1, w({ operation: 'delete', name: 'n2', old: node('n2') }), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'],
    ['register itself with kubelet labels', n1, w({ operation: 'create', object: node('n1', { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/exclude-from-external-load-balancers': '', team: 'a' }) }), undefined],
    ['register with a restricted label', n1, w({ operation: 'create', object: node('n1', { 'node-restriction.kubernetes.io/pci': 'x' }) }), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/pci'],
    ['relabel itself as control plane', n1, w({ object: node('n1', { 'node-role.kubernetes.io/control-plane': '' }), old: node('n1') }), 'nodes "n1" is forbidden: is not allowed to modify labels: node-role.kubernetes.io/control-plane'],
    ['change its taints', n1, w({ object: node('n1', {}, []), old: node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]) }), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints'],
    ['own lease', n1, w({ resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease' }), undefined],
    ['another lease', n1, w({ resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease', name: 'n2' }), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node'],
    ['a lease elsewhere', n1, w({ resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system' }), 'leases.coordination.k8s.io "n1" is forbidden: can only access leases in the "kube-node-lease" system namespace'],
    ['status of its pod', n1, w({ resource: 'pods', subresource: 'status', name: 'p', object: pod('n1'), old: pod('n1') }), undefined],
    ['status of a pod on n2', n1, w({ resource: 'pods', subresource: 'status', name: 'p', object: pod('n2'), old: pod('n2') }), 'pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'],
    ['labels through pod status', n1, w({ resource: 'pods', subresource: 'status', name: 'p', object: pod('n1', { labels: { a: 'b' } }), old: pod('n1') }), 'pods "p" is forbidden: node "n1" cannot update labels through pod status'],
    ['update a pod', n1, w({ resource: 'pods', name: 'p', object: pod('n1'), old: pod('n1') }), 'pods "p" is forbidden: unexpected operation "UPDATE", node "n1" can only create and delete mirror pods'],
    ['delete its pod', n1, w({ operation: 'delete', resource: 'pods', name: 'p', old: pod('n1') }), undefined],
    ['delete a pod on n2', n1, w({ operation: 'delete', resource: 'pods', name: 'p', old: pod('n2') }), 'pods "p" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'],
    ['create a plain pod', n1, w({ operation: 'create', resource: 'pods', name: 'p', object: pod('n1') }), 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods'],
    ['create its mirror pod', n1, w({ operation: 'create', resource: 'pods', name: 'p', object: mirror() }), undefined],
    ['a mirror pod owned by another node', n1, w({ operation: 'create', resource: 'pods', name: 'p', object: mirror({}, { apiVersion: 'v1', kind: 'Node', name: 'n2', uid: 'u', controller: true }) }), 'pods "p" is forbidden: node "n1" can only create pods with an owner reference set to itself'],
    ['a mirror pod reading a secret', n1, w({ operation: 'create', resource: 'pods', name: 'p', object: mirror({ volumes: [{ name: 'v', secret: { secretName: 's' } }] }) }), 'pods "p" is forbidden: node "n1" can not create pods that reference secrets'],
    ['a mirror pod reading a configmap', n1, w({ operation: 'create', resource: 'pods', name: 'p', object: mirror({ containers: [{ name: 'c', image: 'i', envFrom: [{ configMapRef: { name: 'c' } }] }] }) }), 'pods "p" is forbidden: node "n1" can not create pods that reference configmaps'],
    ['evict a pod on n2', n1, w({ operation: 'create', resource: 'pods', subresource: 'eviction', name: 'p', old: pod('n2') }), 'pods "p" is forbidden: node n1 can only evict pods with spec.nodeName set to itself'],
    ['bind a pod', n1, w({ operation: 'create', resource: 'pods', subresource: 'binding', name: 'p' }), `pods "p" is forbidden: unexpected pod subresource "binding", only 'status' and 'eviction' are allowed`],
    ['a claim', n1, w({ resource: 'persistentvolumeclaims', namespace: 'default', name: 'c' }), 'persistentvolumeclaims "c" is forbidden: may only update PVC status'],
    ['events are the authorizer\'s', n1, w({ operation: 'create', resource: 'events', namespace: 'default', name: 'e' }), undefined],
    ['a user naming no node', { username: 'system:node:', groups: ['system:nodes'] }, w({}), 'nodes "n1" is forbidden: could not determine node from user "system:node:"'],
  ];
  for (const [name, user, write, want] of cases) {
    it(name, () => {
      const e = nodeRestriction(user, write);
      assert.equal(e?.message, want);
      if (want) assert.equal(e?.code, 403);
    });
  }
});

describe('forbiddenLabels', () => {
  it('keeps the kubelet its own labels and refuses the rest of kubernetes.io and k8s.io', () => {
    assert.deepEqual(
      forbiddenLabels(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'kubelet.kubernetes.io/x', 'foo.node.kubernetes.io/y', 'example.com/z', 'plain', 'node-role.kubernetes.io/worker', 'x.k8s.io/y', 'a.node-restriction.kubernetes.io/b']),
      ['node-role.kubernetes.io/worker', 'x.k8s.io/y', 'a.node-restriction.kubernetes.io/b'],
    );
  });
});

describe('nodeReadRefusal (the Node authorizer, read side)', () => {
  const a = (over: Partial<RequestAttributes>): RequestAttributes => ({ user: n1, verb: 'get', resourceRequest: true, apiGroup: '', resource: 'secrets', namespace: 'default', name: 's', ...over });
  const onN1 = (spec: object, name = 'p') => pod('n1', { name }, spec) as unknown as Pod;
  const pods = [
    onN1({ volumes: [{ name: 'v', secret: { secretName: 's' } }, { name: 'c', persistentVolumeClaim: { claimName: 'data' } }] }),
    onN1({ containers: [{ name: 'c', image: 'i', env: [{ name: 'E', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }], imagePullSecrets: [{ name: 'pull' }] }, 'q'),
    pod('n2', { name: 'r' }, { volumes: [{ name: 'v', secret: { secretName: 'other' } }] }) as unknown as Pod,
  ];
  const none = `no relationship found between node 'n1' and this object`;
  const cases: [string, RequestAttributes, string | undefined][] = [
    ['a Secret its pod mounts', a({}), undefined],
    ['an image pull Secret', a({ name: 'pull' }), undefined],
    ['a ConfigMap its pod reads in env', a({ resource: 'configmaps', name: 'cm' }), undefined],
    ['a claim its pod mounts', a({ resource: 'persistentvolumeclaims', name: 'data' }), undefined],
    ['a Secret only a pod on n2 reads', a({ name: 'other' }), none],
    ['a Secret no pod reads', a({ name: 'nobody' }), none],
    ['the same name in another namespace', a({ namespace: 'kube-system' }), none],
    ['a list', a({ verb: 'list', name: '' }), 'No Object name found'],
    ['across namespaces', a({ verb: 'list', namespace: '', name: '' }), 'can only read namespaced object of this type'],
    ['pods are not its to decide', a({ resource: 'pods', name: 'p' }), undefined],
    ['writes are not its to decide', a({ verb: 'update' }), undefined],
    ['not a node', a({ user: { username: 'alice', groups: [] }, name: 'nobody' }), undefined],
  ];
  for (const [name, attrs, want] of cases) it(name, () => assert.equal(nodeReadRefusal(attrs, pods), want));
});
