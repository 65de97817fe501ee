/**
 * kubectl 1.32 against a gateway in RBAC mode: `kubectl create role|clusterrole|rolebinding|
 * clusterrolebinding` (protobuf bodies), their `get` columns, and, as another user with `--as`
 * (impersonation headers), `auth can-i`, `auth can-i --list` and a forbidden delete. kubectl's own
 * requests come from the default administrator (system:masters). Skipped when kubectl is not
 * installed, unless REQUIRE_KUBECTL=1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';
import { eventually } from '../wait.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../../shared/log.js';
import { startControllerManager, type RunningControllerManager } from '../../services/controller-manager/manager.js';

describe('kubectl and RBAC', { skip: KUBECTL_SKIP }, () => {
  const s = kubectlSuite('rbace2e', { authorizationMode: 'RBAC' });
  // The clusterrole-aggregation controller fills admin, edit and view.
  let cm: RunningControllerManager | undefined;
  before(async () => {
    cm = await startControllerManager({ ...s.stack.cfg, gatewayUrl: s.stack.url }, createLogger('test', process.env.LOG_LEVEL || 'silent'), {
      controllers: ['clusterrole-aggregation'],
      leaderElection: { enabled: false },
    });
  });
  after(async () => {
    await cm?.close();
  });
  const ok = async (...args: string[]) => {
    const r = await s.kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('creates roles and bindings with kubectl create (protobuf) and prints their columns', async () => {
    await ok('create', 'namespace', 'team-a');
    const created = await s.kubectl('create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods,pods/log', '-n', 'team-a', '-v=8');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    await ok('create', 'clusterrole', 'node-reader', '--verb=get,list', '--resource=nodes');
    await ok('create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice', '--serviceaccount=team-a:robot', '-n', 'team-a');
    await ok('create', 'clusterrolebinding', 'alice-nodes', '--clusterrole=node-reader', '--user=alice', '--group=ops');

    const role = JSON.parse(await ok('get', 'role', 'pod-reader', '-n', 'team-a', '-o', 'json'));
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list', 'watch'] }]);

    const roles = await ok('get', 'roles', '-n', 'team-a');
    assert.match(roles, /^NAME\s+CREATED AT\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    const rbs = await ok('get', 'rolebindings', '-n', 'team-a', '-o', 'wide');
    assert.match(rbs, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    assert.match(rbs, /alice-view\s+ClusterRole\/view\s+\S+\s+alice\s+team-a:robot\n/);
    const crbs = await ok('get', 'clusterrolebinding', 'alice-nodes');
    assert.match(crbs, /alice-nodes\s+ClusterRole\/node-reader\s+\S+\n/);

    // apply (a strategic merge patch on the second run) and explain work on the RBAC kinds too.
    const manifest = join(s.dir, 'role.yaml');
    const yaml = (verbs: string) => `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: cm-editor\n  namespace: team-a\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [${verbs}]\n`;
    await writeFile(manifest, yaml('get'));
    await ok('apply', '-f', manifest);
    await writeFile(manifest, yaml('get, update'));
    assert.match(await ok('apply', '-f', manifest), /role\.rbac\.authorization\.k8s\.io\/cm-editor configured/);
    assert.deepEqual(JSON.parse(await ok('get', 'role', 'cm-editor', '-n', 'team-a', '-o', 'json')).rules[0].verbs, ['get', 'update']);
    assert.match(await ok('explain', 'clusterrole.aggregationRule'), /clusterRoleSelectors/);

    const immutable = await s.kubectl('patch', 'rolebinding', 'alice-view', '-n', 'team-a', '--type=merge', '-p', '{"roleRef":{"name":"edit"}}');
    assert.notEqual(immutable.code, 0);
    assert.match(immutable.stderr, /cannot change roleRef/);
  });

  it('kubectl auth can-i as another user', async () => {
    await eventually('the binding reaches the authorizer', async () => (await s.kubectl('auth', 'can-i', 'list', 'configmaps', '-n', 'team-a', '--as', 'alice')).stdout.trim() === 'yes');
    const no = await s.kubectl('auth', 'can-i', 'delete', 'configmaps', '-n', 'team-a', '--as', 'alice', '-v=8');
    assert.equal(no.stdout.trim(), 'no');
    assert.match(no.stderr, /POST .*\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews/);
    assert.match(no.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/, 'the review was sent as protobuf');
    assert.equal(no.code, 1);
    assert.equal((await s.kubectl('auth', 'can-i', 'list', 'configmaps', '-n', 'default', '--as', 'alice')).stdout.trim(), 'no');
    assert.equal((await s.kubectl('auth', 'can-i', 'get', 'nodes', '--as', 'alice')).stdout.trim(), 'yes');
    assert.equal((await s.kubectl('auth', 'can-i', 'get', 'nodes', '--as', 'bob', '--as-group', 'ops')).stdout.trim(), 'yes');
    assert.equal((await s.kubectl('auth', 'can-i', 'create', 'pods')).stdout.trim(), 'yes', 'the administrator may');
    assert.equal((await s.kubectl('auth', 'can-i', 'get', '/healthz', '--as', 'alice')).stdout.trim(), 'yes');
  });

  it('discovery lists the RBAC kinds and the authorization reviews', async () => {
    const rbac = await ok('api-resources', '--api-group=rbac.authorization.k8s.io', '--no-headers');
    assert.deepEqual(rbac.trim().split('\n').map((l) => l.split(/\s+/)[0]).sort(), ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles']);
    const authz = await ok('api-resources', '--api-group=authorization.k8s.io', '-o', 'wide', '--no-headers');
    assert.match(authz, /^selfsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectAccessReview\s+create\s*$/m);
    assert.match(authz, /^localsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+true\s+LocalSubjectAccessReview\s+create\s*$/m);
  });

  it('kubectl auth can-i --list', async () => {
    const out = await ok('auth', 'can-i', '--list', '-n', 'team-a', '--as', 'alice');
    const lines = out.split('\n');
    assert.match(lines[0]!, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    assert.ok(lines.some((l) => /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l)), out);
    assert.ok(lines.some((l) => /^configmaps\s+\[\]\s+\[\]\s+\[get list watch\]$/.test(l)), out);
    assert.ok(lines.some((l) => /^nodes\s+\[\]\s+\[\]\s+\[get list\]$/.test(l)), out);
    assert.ok(lines.some((l) => /^\s+\[\/healthz\]\s+\[\]\s+\[get\]$/.test(l)), out);
  });

  it('a forbidden delete', async () => {
    await ok('create', 'configmap', 'c', '--from-literal=a=1', '-n', 'team-a');
    assert.match(await ok('get', 'configmaps', '-n', 'team-a', '--as', 'alice'), /^c\s+1\s+/m);
    const del = await s.kubectl('delete', 'configmap', 'c', '-n', 'team-a', '--as', 'alice');
    assert.equal(del.code, 1);
    assert.equal(del.stderr.trim(), 'Error from server (Forbidden): configmaps "c" is forbidden: User "alice" cannot delete resource "configmaps" in API group "" in the namespace "team-a"');
    const other = await s.kubectl('get', 'pods', '-n', 'default', '--as', 'alice');
    assert.equal(other.stderr.trim(), 'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
    assert.match(await ok('get', 'configmap', 'c', '-n', 'team-a'), /^c\s+1\s+/m, 'still there');
  });
});
