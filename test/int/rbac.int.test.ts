/**
 * RBAC through a gateway in RBAC mode (real NATS and Postgres), acting as users by impersonation
 * (the test's own requests come from the default administrator, in system:masters): the bootstrap
 * policy and the clusterrole-aggregation controller fill admin, edit and view; a user bound to
 * `view` in one namespace lists there, may not delete there, and is refused elsewhere with
 * Kubernetes' messages; escalation is refused unless the rules are held; the authorization reviews
 * answer for the caller and for others.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { startControllerStack, type ControllerStack } from '../controller-stack.js';
import { eventually } from '../wait.js';
import WebSocket from 'ws';
import { ensureBootstrapPolicy } from '../../services/gateway/authz/bootstrap.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

interface Res {
  status: number;
  body: any;
}

describe('RBAC authorization at the gateway', () => {
  let cs: ControllerStack;
  before(async () => {
    cs = await startControllerStack('rbacint', ['clusterrole-aggregation'], { gateway: { authorizationMode: 'RBAC' } });
  });
  after(async () => {
    await cs?.close();
  });

  /** One request, as the administrator or (with `as`) impersonating a user. */
  async function call(method: string, path: string, body?: unknown, as?: string, groups: string[] = []): Promise<Res> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const h = new Headers(headers);
    if (as) h.set('Impersonate-User', as);
    for (const g of groups) h.append('Impersonate-Group', g);
    const r = await fetch(cs.url + path, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const binding = (ns: string, name: string, kind: string, role: string, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: role },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
  });

  it('creates the bootstrap policy, and aggregation fills admin, edit and view', async () => {
    const rulesOf = async (name: string) => ((await call('GET', `${RBAC}/clusterroles/${name}`)).body?.rules ?? []) as { resources?: string[]; verbs: string[] }[];
    const grants = (rules: { resources?: string[]; verbs: string[] }[], resource: string, verb: string) =>
      rules.some((r) => r.resources?.includes(resource) && r.verbs.includes(verb));
    await eventually('view reads pods', async () => grants(await rulesOf('view'), 'pods', 'list'));
    await eventually('edit deletes pods', async () => grants(await rulesOf('edit'), 'pods', 'delete'));
    await eventually('admin writes rolebindings', async () => grants(await rulesOf('admin'), 'rolebindings', 'create'));
    assert.ok(!grants(await rulesOf('view'), 'pods', 'delete'));
    assert.ok(!grants(await rulesOf('view'), 'secrets', 'get'));
    const crb = await ok('GET', `${RBAC}/clusterrolebindings/cluster-admin`);
    assert.deepEqual(crb.subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:masters' }]);
  });

  it('bootstrap at start is idempotent and restores what an autoupdate role lost', async () => {
    assert.deepEqual(await ensureBootstrapPolicy(cs.stack.gateway.store), { created: 0, updated: 0 });
    const basic = await ok('GET', `${RBAC}/clusterroles/system:basic-user`);
    await ok('PUT', `${RBAC}/clusterroles/system:basic-user`, { ...basic, rules: basic.rules.slice(1) });
    assert.deepEqual(await ensureBootstrapPolicy(cs.stack.gateway.store), { created: 0, updated: 1 });
    const sorted = (rules: object[]) => rules.map((r) => JSON.stringify(r)).sort();
    assert.deepEqual(sorted((await ok('GET', `${RBAC}/clusterroles/system:basic-user`)).rules), sorted(basic.rules));
    await ok('DELETE', `${RBAC}/clusterrolebindings/system:discovery`);
    assert.deepEqual(await ensureBootstrapPolicy(cs.stack.gateway.store), { created: 1, updated: 0 });
  });

  it('a user bound to view in one namespace lists there, may not delete, and is refused elsewhere', async () => {
    for (const ns of ['team-a', 'team-b']) await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await ok('POST', '/api/v1/namespaces/team-a/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } });
    await ok('POST', `${RBAC}/namespaces/team-a/rolebindings`, binding('team-a', 'alice-view', 'ClusterRole', 'view', 'alice'));

    const listed = await eventually('alice may list configmaps in team-a', async () => {
      const r = await call('GET', '/api/v1/namespaces/team-a/configmaps', undefined, 'alice');
      return r.status === 200 && r.body;
    });
    assert.deepEqual(listed.items.map((c: any) => c.metadata.name), ['c']);

    const del = await call('DELETE', '/api/v1/namespaces/team-a/configmaps/c', undefined, 'alice');
    assert.equal(del.status, 403);
    assert.equal(del.body.reason, 'Forbidden');
    assert.equal(del.body.message, 'configmaps "c" is forbidden: User "alice" cannot delete resource "configmaps" in API group "" in the namespace "team-a"');
    assert.deepEqual(del.body.details, { name: 'c', kind: 'configmaps' });
    assert.equal((await call('GET', '/api/v1/namespaces/team-a/configmaps/c')).status, 200, 'still there');

    const elsewhere = await call('GET', '/api/v1/namespaces/team-b/configmaps', undefined, 'alice');
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.body.message, 'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "team-b"');
    const everywhere = await call('GET', '/api/v1/pods', undefined, 'alice');
    assert.equal(everywhere.body.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" at the cluster scope');
    const secrets = await call('GET', '/api/v1/namespaces/team-a/secrets', undefined, 'alice');
    assert.equal(secrets.status, 403, 'view does not read secrets');
    // Discovery is everyone's (system:discovery is bound to system:authenticated).
    assert.equal((await call('GET', '/api/v1', undefined, 'alice')).status, 200);
    assert.equal((await call('GET', '/metrics', undefined, 'alice')).status, 403);
    const metrics = await (await fetch(`${cs.url}/metrics`)).text();
    assert.match(metrics, /jetkube_gateway_authorization_decisions_total\{decision="denied",mode="RBAC"\} [1-9]/);

    // exec is a WebSocket upgrade fastify never sees: authorized all the same (view has no pods/exec).
    const upgrade = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${cs.url.replace('http', 'ws')}/api/v1/namespaces/team-a/pods/p/exec?command=sh&stdout=true`, ['v5.channel.k8s.io'], {
        headers: { 'Impersonate-User': 'alice' },
      });
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('open', () => reject(new Error('upgraded')));
      ws.on('error', () => undefined);
    });
    assert.equal(upgrade.status, 403);
    assert.equal(JSON.parse(upgrade.body).message, 'pods "p" is forbidden: User "alice" cannot get resource "pods/exec" in API group "" in the namespace "team-a"');
    // So is port-forward (kubectl's SPDY upgrade is a POST: create on pods/portforward).
    const pf = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(`${cs.url}/api/v1/namespaces/team-a/pods/p/portforward`);
      const req = httpRequest({
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io', 'Impersonate-User': 'alice' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(pf.status, 403);
    assert.equal(JSON.parse(pf.body).message, 'pods "p" is forbidden: User "alice" cannot create resource "pods/portforward" in API group "" in the namespace "team-a"');
  });

  it('refuses escalation: roles and bindings only with rules the writer holds', async () => {
    await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-c' } });
    await ok('POST', `${RBAC}/namespaces/team-c/rolebindings`, binding('team-c', 'bob-admin', 'ClusterRole', 'admin', 'bob'));
    await eventually('bob may list roles in team-c', async () => (await call('GET', `${RBAC}/namespaces/team-c/roles`, undefined, 'bob')).status === 200);

    const role = (name: string, rules: object[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'team-c' }, rules });
    const fine = await call('POST', `${RBAC}/namespaces/team-c/roles`, role('reader', [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list'] }]), 'bob');
    assert.equal(fine.status, 201, JSON.stringify(fine.body));

    const tooMuch = await call('POST', `${RBAC}/namespaces/team-c/roles`, role('nodes', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'delete'] }]), 'bob');
    assert.equal(tooMuch.status, 403);
    assert.equal(
      tooMuch.body.message,
      'roles.rbac.authorization.k8s.io "nodes" is forbidden: user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["nodes"], Verbs:["get" "delete"]}',
    );
    assert.equal((await call('GET', `${RBAC}/namespaces/team-c/roles/nodes`)).status, 404, 'nothing written');

    // An update that adds what bob lacks is refused too.
    const reader = (await call('GET', `${RBAC}/namespaces/team-c/roles/reader`)).body;
    const grown = await call('PUT', `${RBAC}/namespaces/team-c/roles/reader`, { ...reader, rules: [...reader.rules, { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, 'bob');
    assert.equal(grown.status, 403);

    // Only what the garbage collector changes (finalizers, owner references) needs no check; a label does.
    await ok('POST', `${RBAC}/namespaces/team-c/roles`, role('wide', [{ apiGroups: [''], resources: ['nodes'], verbs: ['delete'] }]));
    const merge = (body: object) => fetch(`${cs.url}${RBAC}/namespaces/team-c/roles/wide`, {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json', 'Impersonate-User': 'bob' }, body: JSON.stringify(body),
    });
    assert.equal((await merge({ metadata: { finalizers: ['example.com/hold'] } })).status, 200);
    assert.equal((await merge({ metadata: { finalizers: null } })).status, 200);
    assert.equal((await merge({ metadata: { labels: { a: 'b' } } })).status, 403);

    const toAdmin = await call('POST', `${RBAC}/namespaces/team-c/rolebindings`, binding('team-c', 'carol-ca', 'ClusterRole', 'cluster-admin', 'carol'), 'bob');
    assert.equal(toAdmin.status, 403);
    assert.match(toAdmin.body.message, /^rolebindings\.rbac\.authorization\.k8s\.io "carol-ca" is forbidden: user "bob" .* is attempting to grant RBAC permissions not currently held:\n/);
    const toView = await call('POST', `${RBAC}/namespaces/team-c/rolebindings`, binding('team-c', 'carol-view', 'ClusterRole', 'view', 'carol'), 'bob');
    assert.equal(toView.status, 201, JSON.stringify(toView.body));

    // The roleRef never changes.
    const b = toView.body;
    const changed = await call('PUT', `${RBAC}/namespaces/team-c/rolebindings/carol-view`, { ...b, roleRef: { ...b.roleRef, name: 'edit' } });
    assert.equal(changed.status, 422);
    assert.match(changed.body.message, /roleRef: Invalid value: .*: cannot change roleRef/);

    // bob may not write cluster roles at all.
    const cr = await call('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'bobs' }, rules: [] }, 'bob');
    assert.equal(cr.status, 403);
    assert.equal(cr.body.message, 'clusterroles.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope');

    // An aggregationRule needs everything (it can gather anything), even for someone who may write cluster roles.
    const clusterRole = (name: string, body: object) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, ...body });
    await ok('POST', `${RBAC}/clusterroles`, clusterRole('cr-writer', { rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['create'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }));
    await ok('POST', `${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dave-cr-writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr-writer' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dave' }],
    });
    const podGetter = await eventually('dave may create a cluster role he holds', async () => {
      const r = await call('POST', `${RBAC}/clusterroles`, clusterRole('pod-getter', { rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }), 'dave');
      return r.status === 201 && r;
    });
    assert.equal(podGetter.body.metadata.name, 'pod-getter');
    const aggregating = await call('POST', `${RBAC}/clusterroles`, clusterRole('gatherer', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } }), 'dave');
    assert.equal(aggregating.status, 403);
    assert.equal(aggregating.body.message, 'clusterroles.rbac.authorization.k8s.io "gatherer" is forbidden: must have cluster-admin privileges to use the aggregationRule');

    // With `escalate` on roles, the same role is allowed.
    await ok('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'role-escalator' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate'] }] });
    await ok('POST', `${RBAC}/namespaces/team-c/rolebindings`, binding('team-c', 'bob-escalate', 'ClusterRole', 'role-escalator', 'bob'));
    await eventually('bob may escalate', async () => (await call('POST', `${RBAC}/namespaces/team-c/roles`, role('nodes', [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]), 'bob')).status === 201);
  });

  it('serves the web console (/ui) to a user with no role (static files, not API); that user\'s API calls are still refused', async () => {
    const ui = await fetch(`${cs.url}/ui`, { headers: { 'Impersonate-User': 'nobody' } });
    assert.notEqual(ui.status, 403);
    await ui.body?.cancel();
    assert.equal((await call('GET', '/api/v1/pods', undefined, 'nobody')).status, 403);
  });

  it('answers access and rules reviews', async () => {
    const ssar = (attrs: object, as?: string) =>
      call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: attrs }, as);
    const yes = await ssar({ resourceAttributes: { namespace: 'team-a', verb: 'list', resource: 'configmaps' } }, 'alice');
    assert.equal(yes.status, 201);
    assert.equal(yes.body.status.allowed, true);
    assert.equal(yes.body.status.reason, 'RBAC: allowed by RoleBinding "alice-view/team-a" of ClusterRole "view" to User "alice"');
    assert.equal((await ssar({ resourceAttributes: { namespace: 'team-a', verb: 'delete', resource: 'configmaps' } }, 'alice')).body.status.allowed, false);
    assert.equal((await ssar({ nonResourceAttributes: { path: '/healthz', verb: 'get' } }, 'alice')).body.status.allowed, true);
    const bad = await ssar({});
    assert.equal(bad.status, 422);
    assert.match(bad.body.message, /spec\.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified/);

    const sar = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'alice', resourceAttributes: { namespace: 'team-b', verb: 'get', resource: 'pods' } },
    });
    assert.equal(sar.status, 201);
    assert.equal(sar.body.status.allowed, false);
    const aliceSar = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { kind: 'SubjectAccessReview', spec: { user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } } }, 'alice');
    assert.equal(aliceSar.status, 403, 'alice may not ask about others');

    const ssrr = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { kind: 'SelfSubjectRulesReview', spec: { namespace: 'team-a' } }, 'alice');
    assert.equal(ssrr.status, 201);
    const rules = ssrr.body.status.resourceRules as { resources?: string[]; verbs: string[] }[];
    assert.ok(rules.some((r) => r.resources?.includes('selfsubjectaccessreviews') && r.verbs.includes('create')));
    assert.ok(rules.some((r) => r.resources?.includes('configmaps') && r.verbs.includes('list')));
    assert.ok(!rules.some((r) => r.resources?.includes('configmaps') && r.verbs.includes('delete')));
    assert.ok((ssrr.body.status.nonResourceRules as { nonResourceURLs: string[] }[]).some((r) => r.nonResourceURLs.includes('/api/*')));
    assert.equal(ssrr.body.status.incomplete, false);
  });
});
