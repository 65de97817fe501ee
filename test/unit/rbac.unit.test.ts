/**
 * RBAC, pure: rule matching and the authorizer (cases after Kubernetes' rbac_test.go), policy
 * comparison and escalation messages (after rbac/validation's policy_comparator and rule tests),
 * aggregation, the request attributes a URL means (RequestInfoFactory), the 403 text,
 * impersonation headers, and the RBAC kinds' validation. Tables are ours; the facts are Kubernetes'.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestAttributes, UserInfo } from '../../shared/auth/user.js';
import {
  aggregatedRules,
  authorize,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  compactString,
  covers,
  escalationMessage,
  PolicyIndex,
  ruleAllows,
  rulesFor,
  reconcileBootstrap,
} from '../../shared/auth/rbac/index.js';
import { forbiddenStatusMessage, requestInfo } from '../../shared/auth/request-info.js';
import { impersonation } from '../../services/gateway/authz/impersonation.js';
import { onlyGarbageCollectorFields } from '../../services/gateway/authz/escalation-admission.js';
import { review, reviewOf } from '../../services/gateway/authz/reviews.js';
import { alwaysAllow, parseAuthorizationMode, rbacAuthorizer } from '../../services/gateway/authz/authorizer.js';
import {
  validateClusterRole,
  validateClusterRoleBinding,
  validateRole,
  validateRoleBinding,
  type ClusterRole,
  type PolicyRule,
  type Role,
  type RoleBinding,
  type Subject,
} from '../../shared/resources/rbac.js';

const G = 'rbac.authorization.k8s.io';
const user = (username: string, ...groups: string[]): UserInfo => ({ username, groups });
const res = (u: UserInfo, verb: string, resource: string, o: { ns?: string; group?: string; sub?: string; name?: string } = {}): RequestAttributes => ({
  user: u,
  verb,
  resourceRequest: true,
  apiGroup: o.group ?? '',
  resource,
  ...(o.sub ? { subresource: o.sub } : {}),
  ...(o.ns ? { namespace: o.ns } : {}),
  ...(o.name ? { name: o.name } : {}),
});
const url = (u: UserInfo, verb: string, path: string): RequestAttributes => ({ user: u, verb, resourceRequest: false, path });
const rule = (verbs: string, apiGroups: string, resources: string, extra: Partial<PolicyRule> = {}): PolicyRule => ({
  verbs: verbs.split(','),
  apiGroups: apiGroups.split(','),
  resources: resources.split(','),
  ...extra,
});
const urls = (verbs: string, ...nonResourceURLs: string[]): PolicyRule => ({ verbs: verbs.split(','), nonResourceURLs });
const cr = (name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole => ({
  apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules,
});
const role = (ns: string, name: string, rules: PolicyRule[]): Role => ({ apiVersion: `${G}/v1`, kind: 'Role', metadata: { name, namespace: ns }, rules });
const subj = (s: string): Subject => {
  const [kind, name, namespace] = s.split(':');
  return kind === 'ServiceAccount' ? { kind, name: name!, ...(namespace ? { namespace } : {}) } : { kind: kind!, apiGroup: G, name: name! };
};
const rb = (ns: string, name: string, ref: string, ...subjects: string[]): RoleBinding => {
  const [kind, refName] = ref.split('/');
  return { apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: G, kind: kind!, name: refName! }, subjects: subjects.map(subj) };
};
const crb = (name: string, roleName: string, ...subjects: string[]): RoleBinding => ({
  apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects: subjects.map(subj),
});

describe('ruleAllows: one rule against one request', () => {
  const u = user('u');
  const cases: [string, PolicyRule, RequestAttributes, boolean][] = [
    ['star verb matches any verb', rule('*', 'group1', 'resource1'), res(u, 'verb2', 'resource1', { group: 'group1' }), true],
    ['star verb, other group', rule('*', 'group1', 'resource1'), res(u, 'verb1', 'resource1', { group: 'group2' }), false],
    ['star group matches any group', rule('verb1', '*', 'resource1'), res(u, 'verb1', 'resource1', { group: 'group2' }), true],
    ['star group, other verb', rule('verb1', '*', 'resource1'), res(u, 'verb2', 'resource1', { group: 'group1' }), false],
    ['star resource matches any resource', rule('verb1', 'group1', '*'), res(u, 'verb1', 'resource2', { group: 'group1' }), true],
    ['star resource matches subresources too', rule('verb1', 'group1', '*'), res(u, 'verb1', 'resource2', { group: 'group1', sub: 'status' }), true],
    ['tuple expansion: second verb, second group, second resource', rule('verb1,verb2', 'group1,group2', 'resource1,resource2'), res(u, 'verb2', 'resource2', { group: 'group2' }), true],
    ['verbs are case sensitive', rule('get', '', 'pods'), res(u, 'GET', 'pods'), false],
    ['a resource rule does not cover its subresource', rule('*', '*', 'pods'), res(u, 'get', 'pods', { sub: 'status' }), false],
    ['a subresource rule covers it', rule('*', '*', 'pods/status'), res(u, 'get', 'pods', { sub: 'status' }), true],
    ['a subresource rule does not cover the resource', rule('*', '*', 'pods/status'), res(u, 'get', 'pods'), false],
    ['a subresource rule does not cover another subresource', rule('*', '*', 'resource1/subresource1'), res(u, 'get', 'resource1', { sub: 'subresource2' }), false],
    ['*/scale covers any resource\'s scale', rule('get', 'apps', '*/scale'), res(u, 'get', 'deployments', { group: 'apps', sub: 'scale' }), true],
    ['*/scale does not cover the resource', rule('get', 'apps', '*/scale'), res(u, 'get', 'deployments', { group: 'apps' }), false],
    ['*/scale does not cover another subresource', rule('get', 'apps', '*/scale'), res(u, 'get', 'deployments', { group: 'apps', sub: 'status' }), false],
    ['resourceNames: the named object', rule('get', '', 'configmaps', { resourceNames: ['a', 'b'] }), res(u, 'get', 'configmaps', { name: 'b' }), true],
    ['resourceNames: another object', rule('get', '', 'configmaps', { resourceNames: ['a'] }), res(u, 'get', 'configmaps', { name: 'c' }), false],
    ['resourceNames: a request without a name (list)', rule('list', '', 'configmaps', { resourceNames: ['a'] }), res(u, 'list', 'configmaps'), false],
    ['no resourceNames: any name', rule('get', '', 'configmaps'), res(u, 'get', 'configmaps', { name: 'x' }), true],
    ['a resource rule never matches a path', rule('*', '*', '*'), url(u, 'get', '/healthz'), false],
    ['star URL matches every path', urls('verb1', '*'), url(u, 'verb1', '/foo/bar/one'), true],
    ['star URL, other verb', urls('verb1', '*'), url(u, 'verb2', '/foo'), false],
    ['exact URL', urls('get', '/apis'), url(u, 'get', '/apis'), true],
    ['exact URL, other path', urls('get', '/apis'), url(u, 'get', '/api/v1'), false],
    ['URL prefix: a path below', urls('get', '/foo/*'), url(u, 'get', '/foo/bar'), true],
    ['URL prefix: deeper below', urls('get', '/foo/*'), url(u, 'get', '/foo/bar/one'), true],
    ['URL prefix: not the bare path', urls('get', '/foo/*'), url(u, 'get', '/foo'), false],
    ['URL prefix without slash', urls('get', '/foo*'), url(u, 'get', '/foobar'), true],
    ['a URL rule never matches a resource', urls('*', '*'), res(u, 'get', 'pods'), false],
  ];
  for (const [name, r, a, want] of cases) it(name, () => assert.equal(ruleAllows(a, r), want));
});

describe('authorize: bindings, subjects, scopes', () => {
  const policy = PolicyIndex.of([
    cr('admin', [rule('*', '*', '*')]),
    cr('pod-reader', [rule('get,list,watch', '', 'pods')]),
    cr('url-getter', [urls('get', '/apis')]),
    cr('url-prefix', [urls('get', '/apis/*')]),
    role('ns1', 'cm-writer', [rule('create,update', '', 'configmaps')]),
    role('ns2', 'cm-writer', [rule('delete', '', 'configmaps')]),
    rb('ns1', 'admins', 'ClusterRole/admin', 'User:admin', 'Group:admins'),
    rb('ns1', 'cm', 'Role/cm-writer', 'User:carol', 'ServiceAccount:builder', 'ServiceAccount:deployer:ci'),
    rb('ns1', 'missing', 'Role/nope', 'User:dan'),
    crb('readers', 'pod-reader', 'Group:readers'),
    crb('urls', 'url-getter', 'User:foo', 'Group:bar'),
    crb('prefixed', 'url-prefix', 'User:prefixed'),
  ]);
  const cases: [string, RequestAttributes, boolean][] = [
    ['admin in ns1 by a RoleBinding to a ClusterRole', res(user('admin'), 'get', 'Pods', { ns: 'ns1' }), true],
    ['admin in another namespace', res(user('admin'), 'get', 'pods', { ns: 'ns2' }), false],
    ['admin at the cluster scope', res(user('admin'), 'get', 'nodes'), false],
    ['by group membership', res(user('joe', 'group1', 'admins'), 'watch', 'foobar', { ns: 'ns1' }), true],
    ['group member elsewhere', res(user('joe', 'admins'), 'get', 'pods', { ns: 'ns2' }), false],
    ['uppercase verb', res(user('admin'), 'GET', 'pods', { ns: 'ns2' }), false],
    ['ClusterRoleBinding: every namespace', res(user('r', 'readers'), 'list', 'pods', { ns: 'anywhere' }), true],
    ['ClusterRoleBinding: all namespaces', res(user('r', 'readers'), 'list', 'pods'), true],
    ['ClusterRoleBinding: not another verb', res(user('r', 'readers'), 'delete', 'pods', { ns: 'a' }), false],
    ['Role: its namespace', res(user('carol'), 'create', 'configmaps', { ns: 'ns1' }), true],
    ['Role of the same name elsewhere is another role', res(user('carol'), 'delete', 'configmaps', { ns: 'ns1' }), false],
    ['ServiceAccount subject without namespace: the binding\'s', res(user('system:serviceaccount:ns1:builder'), 'update', 'configmaps', { ns: 'ns1' }), true],
    ['ServiceAccount subject with namespace', res(user('system:serviceaccount:ci:deployer'), 'create', 'configmaps', { ns: 'ns1' }), true],
    ['ServiceAccount of another namespace', res(user('system:serviceaccount:ns2:builder'), 'create', 'configmaps', { ns: 'ns1' }), false],
    ['a binding to a missing role grants nothing', res(user('dan'), 'get', 'pods', { ns: 'ns1' }), false],
    ['system:masters may do anything', res(user('root', 'system:masters'), 'delete', 'nodes', { name: 'n1' }), true],
    ['non-resource: user', url(user('foo'), 'get', '/apis'), true],
    ['non-resource: group', url(user('', 'bar'), 'get', '/apis'), true],
    ['non-resource: wrong verb', url(user('foo'), 'watch', '/apis'), false],
    ['non-resource: wrong path', url(user('foo'), 'get', '/api/v1'), false],
    ['non-resource: prefix', url(user('prefixed'), 'get', '/apis/v1/foobar'), true],
    ['non-resource: prefix does not cover another path', url(user('prefixed'), 'get', '/api/v1'), false],
  ];
  for (const [name, a, want] of cases) it(name, () => assert.equal(authorize(policy, a).allowed, want));

  it('says which binding allowed', () => {
    assert.equal(authorize(policy, res(user('r', 'readers'), 'list', 'pods')).reason, 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to Group "readers"');
    assert.equal(authorize(policy, res(user('carol'), 'create', 'configmaps', { ns: 'ns1' })).reason, 'RBAC: allowed by RoleBinding "cm/ns1" of Role "cm-writer" to User "carol"');
  });
  it('rulesFor: cluster rules first, then the namespace\'s; a missing role is an error', () => {
    const r = rulesFor(policy, user('dan', 'readers'), 'ns1');
    assert.deepEqual(r.rules, [rule('get,list,watch', '', 'pods')]);
    assert.deepEqual(r.errors, ['role.rbac.authorization.k8s.io "nope" not found for RoleBinding "missing" in namespace "ns1"']);
  });
});

describe('covers: may the owner grant these rules?', () => {
  const cases: [string, PolicyRule[], PolicyRule[], PolicyRule[]][] = [
    ['star covers everything', [rule('*', '*', '*')], [rule('get', 'apps', 'deployments', { resourceNames: ['x'] })], []],
    ['exact match', [rule('get,list', '', 'pods')], [rule('get', '', 'pods')], []],
    ['a missing verb', [rule('get', '', 'pods')], [rule('get,list', '', 'pods')], [rule('list', '', 'pods')]],
    ['split across owner rules', [rule('get', '', 'pods'), rule('list', '', 'pods')], [rule('get,list', '', 'pods')], []],
    ['a missing group', [rule('get', '', 'pods')], [rule('get', ',apps', 'pods')], [rule('get', 'apps', 'pods')]],
    ['*/subresource covers a subresource', [rule('get', 'apps', '*/scale')], [rule('get', 'apps', 'deployments/scale')], []],
    ['*/subresource does not cover the resource', [rule('get', 'apps', '*/scale')], [rule('get', 'apps', 'deployments')], [rule('get', 'apps', 'deployments')]],
    ['a resource does not cover its subresources', [rule('get', '', 'pods')], [rule('get', '', 'pods/log')], [rule('get', '', 'pods/log')]],
    ['no names covers named', [rule('get', '', 'secrets')], [rule('get', '', 'secrets', { resourceNames: ['a'] })], []],
    ['named does not cover unnamed', [rule('get', '', 'secrets', { resourceNames: ['a'] })], [rule('get', '', 'secrets')], [rule('get', '', 'secrets')]],
    ['named covers a subset of names', [rule('get', '', 'secrets', { resourceNames: ['a', 'b'] })], [rule('get', '', 'secrets', { resourceNames: ['b'] })], []],
    ['named: another name', [rule('get', '', 'secrets', { resourceNames: ['a'] })], [rule('get', '', 'secrets', { resourceNames: ['c'] })],
      [rule('get', '', 'secrets', { resourceNames: ['c'] })]],
    ['URL prefix covers below', [urls('get', '/apis/*')], [urls('get', '/apis/v1', '/apis/apps')], []],
    ['URL: exact only', [urls('get', '/apis')], [urls('get', '/apis/v1')], [urls('get', '/apis/v1')]],
    ['URL star covers all', [urls('*', '*')], [urls('get,post', '/x')], []],
  ];
  for (const [name, owner, servant, missing] of cases) {
    it(name, () => assert.deepEqual(covers(owner, servant).missing, missing));
  }
});

describe('escalation message', () => {
  it('lists the missing rules compacted, sorted, in CompactString form', () => {
    const msg = escalationMessage(user('alice', 'system:authenticated'), [rule('get', '', 'pods')], [rule('get,list,delete', '', 'pods,secrets'), urls('get', '/metrics')]);
    assert.equal(
      msg,
      'user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["list" "delete"]}\n' +
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "delete"]}\n' +
        '{NonResourceURLs:["/metrics"], Verbs:["get"]}',
    );
  });
  it('nothing missing: no message', () => assert.equal(escalationMessage(user('a'), [rule('*', '*', '*')], [rule('get', '', 'pods')]), undefined));
  it('CompactString orders APIGroups, Resources, NonResourceURLs, ResourceNames, Verbs', () =>
    assert.equal(compactString(rule('get', 'apps', 'deployments', { resourceNames: ['web'] })), '{APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], Verbs:["get"]}'));
});

describe('ClusterRole aggregation', () => {
  const sel = (label: string) => ({ matchLabels: { [label]: 'true' } });
  const agg = (name: string, ...labels: string[]): ClusterRole => ({ ...cr(name, []), aggregationRule: { clusterRoleSelectors: labels.map(sel) } });
  const all = [
    agg('monitoring', 'rbac.example.com/aggregate-to-monitoring'),
    cr('b-pods', [rule('get', '', 'pods'), rule('list', '', 'pods')], { 'rbac.example.com/aggregate-to-monitoring': 'true' }),
    cr('a-nodes', [rule('get', '', 'nodes'), rule('get', '', 'pods')], { 'rbac.example.com/aggregate-to-monitoring': 'true' }),
    cr('other', [rule('*', '*', '*')], { unrelated: 'true' }),
  ];
  it('gathers matching roles\' rules in name order, each rule once', () =>
    assert.deepEqual(aggregatedRules(all[0]!, all), [rule('get', '', 'nodes'), rule('get', '', 'pods'), rule('list', '', 'pods')]));
  it('a role without an aggregationRule is not aggregated', () => assert.equal(aggregatedRules(all[1]!, all), undefined));
  it('selectors are ORed', () => {
    const both = agg('both', 'rbac.example.com/aggregate-to-monitoring', 'unrelated');
    assert.equal(aggregatedRules(both, [...all, both])!.length, 4);
  });
  it('the bootstrap admin, edit and view aggregate into a chain (view ⊂ edit ⊂ admin)', () => {
    const roles = bootstrapClusterRoles();
    const rulesOf = (n: string) => aggregatedRules(roles.find((r) => r.metadata.name === n)!, roles)!;
    const [view, edit, admin] = [rulesOf('view'), rulesOf('edit'), rulesOf('admin')];
    assert.ok(view.length > 0);
    assert.ok(covers(edit, view).covered);
    assert.ok(covers(admin, edit).covered);
    assert.ok(!covers(view, [rule('delete', '', 'pods')]).covered);
    assert.ok(!covers(view, [rule('get', '', 'secrets')]).covered, 'view does not read secrets');
    assert.ok(covers(admin, [rule('create', G, 'rolebindings')]).covered);
  });
  it('every bootstrap binding names a bootstrap role and every object validates', () => {
    const roles = bootstrapClusterRoles();
    for (const b of bootstrapClusterRoleBindings()) {
      assert.ok(roles.some((r) => r.metadata.name === b.roleRef.name), b.metadata.name);
      assert.deepEqual(validateClusterRoleBinding(b), []);
    }
    for (const r of roles) assert.deepEqual(validateClusterRole(r), [], r.metadata.name);
  });
});

describe('requestInfo: what a URL asks', () => {
  const cases: [string, string, Partial<RequestAttributes>][] = [
    ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', { verb: 'watch', resource: 'pods', namespace: 'default' }],
    ['GET', '/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dweb', { verb: 'watch', resource: 'pods', namespace: 'default', name: 'web' }],
    ['GET', '/api/v1/pods', { verb: 'list', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/default/pods/web', { verb: 'get', resource: 'pods', namespace: 'default', name: 'web' }],
    ['GET', '/api/v1/namespaces/default/pods/web/log', { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default', name: 'web' }],
    ['POST', '/api/v1/namespaces/default/pods', { verb: 'create', resource: 'pods', namespace: 'default' }],
    ['PUT', '/apis/apps/v1/namespaces/ns/deployments/d/scale', { verb: 'update', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'ns', name: 'd' }],
    ['PATCH', '/api/v1/nodes/n1/status', { verb: 'patch', resource: 'nodes', subresource: 'status', name: 'n1' }],
    ['DELETE', '/api/v1/namespaces/default/pods/web', { verb: 'delete', resource: 'pods', namespace: 'default', name: 'web' }],
    ['DELETE', '/api/v1/namespaces/default/pods', { verb: 'deletecollection', resource: 'pods', namespace: 'default' }],
    ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/kube-system', { verb: 'get', resource: 'namespaces', namespace: 'kube-system', name: 'kube-system' }],
    ['PUT', '/api/v1/namespaces/x/finalize', { verb: 'update', resource: 'namespaces', subresource: 'finalize', namespace: 'x', name: 'x' }],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }],
    ['GET', '/api/v1/watch/namespaces/default/pods', { verb: 'watch', resource: 'pods', namespace: 'default' }],
    ['GET', '/api/v1/watch/namespaces/default/pods/web', { verb: 'watch', resource: 'pods', namespace: 'default', name: 'web' }],
    ['GET', '/api/v1/proxy/namespaces/default/pods/web', { verb: 'proxy', resource: 'pods', namespace: 'default', name: 'web' }],
    ['GET', '/api', { verb: 'get', resourceRequest: false, path: '/api' }],
    ['GET', '/api/v1', { verb: 'get', resourceRequest: false, path: '/api/v1' }],
    ['GET', '/apis/apps/v1', { verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }],
    ['GET', '/healthz', { verb: 'get', resourceRequest: false, path: '/healthz' }],
    ['POST', '/version', { verb: 'post', resourceRequest: false, path: '/version' }],
  ];
  for (const [method, path, want] of cases) {
    it(`${method} ${path}`, () => {
      const got = requestInfo(method, path) as Record<string, unknown>;
      for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, k);
    });
  }
});

describe('the 403 message', () => {
  const alice = user('alice');
  const cases: [RequestAttributes, string][] = [
    [res(alice, 'list', 'pods', { ns: 'default' }), 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"'],
    [res(alice, 'delete', 'pods', { ns: 'default', name: 'web' }), 'pods "web" is forbidden: User "alice" cannot delete resource "pods" in API group "" in the namespace "default"'],
    [res(alice, 'list', 'nodes'), 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope'],
    [res(alice, 'get', 'deployments', { group: 'apps', ns: 'x', sub: 'scale', name: 'd' }),
      'deployments.apps "d" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "x"'],
    [url(alice, 'get', '/metrics'), 'forbidden: User "alice" cannot get path "/metrics"'],
  ];
  for (const [a, want] of cases) it(want, () => assert.equal(forbiddenStatusMessage(a), want));
});

describe('impersonation headers', () => {
  it('none', () => assert.deepEqual(impersonation({}), { type: 'none' }));
  it('a user: checks impersonate on users, adds system:authenticated', () => {
    const i = impersonation({ 'impersonate-user': 'alice', 'impersonate-group': ['dev', 'ops'] });
    assert.equal(i.type, 'impersonate');
    if (i.type !== 'impersonate') return;
    assert.deepEqual(i.user, { username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] });
    assert.deepEqual(i.checks.map((c) => `${c.verb} ${c.resource} ${c.name}`), ['impersonate users alice', 'impersonate groups dev', 'impersonate groups ops']);
  });
  it('a service account: checks the serviceaccounts object, adds its groups', () => {
    const i = impersonation({ 'impersonate-user': 'system:serviceaccount:ci:builder' });
    if (i.type !== 'impersonate') return assert.fail(i.type);
    assert.deepEqual(i.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
    assert.deepEqual(i.checks[0], { verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'serviceaccounts', namespace: 'ci', name: 'builder' });
  });
  it('extra keys are unescaped; a malformed escape is kept', () => {
    const i = impersonation({ 'impersonate-user': 'u', 'impersonate-extra-example.com%2fteam': 'a, b', 'impersonate-extra-%zz': 'c' });
    if (i.type !== 'impersonate') return assert.fail(i.type);
    assert.deepEqual(i.user.extra, { 'example.com/team': ['a', 'b'], '%zz': ['c'] });
    assert.deepEqual(i.checks.slice(1).map((c) => `${c.apiGroup} ${c.resource}/${c.subresource} ${c.name}`), [
      'authentication.k8s.io userextras/example.com/team a', 'authentication.k8s.io userextras/example.com/team b', 'authentication.k8s.io userextras/%zz c',
    ]);
  });
  it('groups without a user are refused', () => assert.equal(impersonation({ 'impersonate-group': 'dev' }).type, 'invalid'));
});

describe('updates that only the garbage collector makes skip the escalation check', () => {
  const old = { ...role('ns', 'r', [rule('get', '', 'pods')]), metadata: { name: 'r', namespace: 'ns', resourceVersion: '4' } };
  const cases: [string, object, boolean][] = [
    ['finalizers', { metadata: { ...old.metadata, finalizers: ['x'] } }, true],
    ['owner references', { metadata: { ...old.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u' }] } }, true],
    ['a label', { metadata: { ...old.metadata, labels: { a: 'b' } } }, false],
    ['the rules', { rules: [rule('*', '*', '*')] }, false],
  ];
  for (const [name, change, want] of cases) it(name, () => assert.equal(onlyGarbageCollectorFields({ ...old, ...change } as Role, old), want));
});

describe('RBAC kinds: validation', () => {
  const causes = (c: { field: string; message: string }[]) => c.map((x) => `${x.field}: ${x.message}`);
  it('a rule needs verbs, and resource rules need apiGroups and resources', () =>
    assert.deepEqual(causes(validateRole(role('ns', 'r', [{ verbs: [] } as PolicyRule]))), [
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]));
  it('a Role cannot hold non-resource URLs', () =>
    assert.deepEqual(causes(validateRole(role('ns', 'r', [urls('get', '/healthz')]))), [
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ]));
  it('a rule cannot mix resources and URLs', () =>
    assert.deepEqual(causes(validateClusterRole(cr('c', [{ verbs: ['get'], resources: ['pods'], nonResourceURLs: ['/x'] }]))), [
      'rules[0].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs',
    ]));
  it('an aggregationRule needs selectors', () =>
    assert.deepEqual(causes(validateClusterRole({ ...cr('c', []), aggregationRule: {} })), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]));
  it('roleRef: kind and apiGroup', () => {
    const b = { ...rb('ns', 'b', 'Pod/x', 'User:u'), roleRef: { apiGroup: 'other', kind: 'Pod', name: 'x' } };
    assert.deepEqual(causes(validateRoleBinding(b)), [
      'roleRef.apiGroup: Unsupported value: "other": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Pod": supported values: "ClusterRole", "Role"',
    ]);
    assert.deepEqual(causes(validateClusterRoleBinding({ ...crb('b', 'x'), roleRef: { apiGroup: G, kind: 'Role', name: 'x' } })), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
    ]);
  });
  it('roleRef is immutable', () => {
    const old = rb('ns', 'b', 'ClusterRole/view', 'User:u');
    assert.deepEqual(causes(validateRoleBinding(rb('ns', 'b', 'ClusterRole/edit', 'User:u'), old)), [
      'roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}: cannot change roleRef',
    ]);
    assert.deepEqual(validateRoleBinding(rb('ns', 'b', 'ClusterRole/view', 'User:u', 'User:v'), old), []);
  });
  it('subjects: kinds, apiGroups, a service account\'s namespace in a cluster binding', () => {
    const b: RoleBinding = { ...crb('b', 'view'), subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'User', name: 'u' }, { kind: 'ServiceAccount', name: 'sa' }] };
    assert.deepEqual(causes(validateClusterRoleBinding(b)), [
      'subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"',
      'subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'subjects[2].namespace: Required value',
    ]);
  });
});

describe('authorization reviews (pure)', () => {
  const policy = PolicyIndex.of([
    cr('pod-reader', [rule('get,list', '', 'pods'), urls('get', '/healthz')]),
    crb('readers', 'pod-reader', 'Group:readers'),
    rb('ns1', 'missing', 'Role/nope', 'User:dan'),
  ]);
  const authz = rbacAuthorizer(policy);
  const dan = user('dan', 'readers');

  it('reviewOf: paths and namespaces', () => {
    assert.deepEqual(reviewOf('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'), { kind: 'SelfSubjectAccessReview', namespace: '' });
    assert.deepEqual(reviewOf('/apis/authorization.k8s.io/v1/namespaces/ns1/localsubjectaccessreviews?x=1'), { kind: 'LocalSubjectAccessReview', namespace: 'ns1' });
    assert.equal(reviewOf('/apis/authorization.k8s.io/v1/localsubjectaccessreviews'), undefined);
    assert.equal(reviewOf('/apis/authorization.k8s.io/v1/namespaces/ns1/subjectaccessreviews'), undefined);
    assert.equal(reviewOf('/api/v1/pods'), undefined);
  });
  it('SelfSubjectAccessReview answers for the caller', () => {
    const out = review(authz, 'SelfSubjectAccessReview', '', { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'x' } } }, dan) as any;
    assert.deepEqual(out.status, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "readers" of ClusterRole "pod-reader" to Group "readers"' });
    assert.equal(out.kind, 'SelfSubjectAccessReview');
    assert.equal((review(authz, 'SelfSubjectAccessReview', '', { spec: { resourceAttributes: { verb: 'delete', resource: 'pods' } } }, dan) as any).status.allowed, false);
  });
  it('SubjectAccessReview answers for the spec\'s user and groups, and needs one', () => {
    const ask = (spec: object) => review(authz, 'SubjectAccessReview', '', { spec }, user('admin', 'system:masters')) as any;
    assert.equal(ask({ user: 'x', groups: ['readers'], resourceAttributes: { verb: 'get', resource: 'pods' } }).status.allowed, true);
    assert.equal(ask({ user: 'x', resourceAttributes: { verb: 'get', resource: 'pods' } }).status.allowed, false);
    assert.throws(() => ask({ resourceAttributes: { verb: 'get', resource: 'pods' } }), /spec\.user: Invalid value: "": at least one of user or group must be specified/);
    assert.throws(() => ask({ user: 'x', resourceAttributes: {}, nonResourceAttributes: {} }), /spec\.nonResourceAttributes: Invalid value: \{\}: cannot be specified in combination with resourceAttributes/);
  });
  it('LocalSubjectAccessReview: the namespace must be the URL\'s', () =>
    assert.throws(
      () => review(authz, 'LocalSubjectAccessReview', 'ns1', { spec: { user: 'x', resourceAttributes: { namespace: 'ns2', verb: 'get', resource: 'pods' } } }, dan),
      /spec\.resourceAttributes\.namespace: Invalid value: "ns2": must match metadata\.namespace/,
    ));
  it('SelfSubjectRulesReview: resource and non-resource rules, incomplete with the resolution errors', () => {
    const out = review(authz, 'SelfSubjectRulesReview', '', { spec: { namespace: 'ns1' } }, dan) as any;
    assert.deepEqual(out.status, {
      resourceRules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      incomplete: true,
      evaluationError: 'role.rbac.authorization.k8s.io "nope" not found for RoleBinding "missing" in namespace "ns1"',
    });
  });
  it('AlwaysAllow allows everything and lists * rules', () => {
    const a = alwaysAllow();
    assert.equal(a.authorize(res(user('anyone'), 'delete', 'nodes')).allowed, true);
    assert.deepEqual(a.rulesFor(user('anyone'), 'x').rules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  });
  it('parseAuthorizationMode', () => {
    assert.equal(parseAuthorizationMode(undefined), 'AlwaysAllow');
    assert.equal(parseAuthorizationMode('RBAC'), 'RBAC');
    assert.throws(() => parseAuthorizationMode('Node,RBAC'), /AUTHORIZATION_MODE must be one of AlwaysAllow, RBAC, got "Node,RBAC"/);
  });
});

describe('bootstrap reconciliation: add what is missing, remove nothing', () => {
  const wantedRole = { ...cr('system:basic-user', [rule('create', 'authorization.k8s.io', 'selfsubjectaccessreviews')], { 'kubernetes.io/bootstrapping': 'rbac-defaults' }), metadata: { name: 'system:basic-user', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } } };
  it('current: nothing to write', () => assert.equal(reconcileBootstrap(wantedRole, wantedRole), undefined));
  it('a missing rule comes back; an extra one stays', () => {
    const edited = { ...wantedRole, rules: [rule('get', '', 'pods')] };
    assert.deepEqual(reconcileBootstrap(edited, wantedRole)?.rules, [rule('get', '', 'pods'), rule('create', 'authorization.k8s.io', 'selfsubjectaccessreviews')]);
  });
  it('a rule covered by a broader one is not missing', () => assert.equal(reconcileBootstrap({ ...wantedRole, rules: [rule('*', '*', '*')] }, wantedRole), undefined));
  it('autoupdate "false": left alone', () => {
    const mine = { ...wantedRole, rules: [], metadata: { ...wantedRole.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } } };
    assert.equal(reconcileBootstrap(mine, wantedRole), undefined);
  });
  it('aggregated roles: selectors, not rules', () => {
    const roles = bootstrapClusterRoles();
    const view = roles.find((r) => r.metadata.name === 'view')!;
    assert.equal(reconcileBootstrap({ ...view, rules: [rule('get', '', 'pods')] }, view), undefined, 'filled rules are the controller\'s');
    const noSelectors = { ...view, aggregationRule: { clusterRoleSelectors: [] } };
    assert.deepEqual(reconcileBootstrap(noSelectors, view)?.aggregationRule, view.aggregationRule);
  });
  it('bindings: missing subjects are added, others kept', () => {
    const b = bootstrapClusterRoleBindings().find((x) => x.metadata.name === 'system:public-info-viewer')!;
    const edited = { ...b, subjects: [b.subjects![0]!, subj('User:extra')] };
    assert.deepEqual(reconcileBootstrap(edited, b)?.subjects?.map((s) => s.name), ['system:authenticated', 'extra', 'system:unauthenticated']);
  });
  it('labels and annotations it lacks are added', () => {
    const bare = { ...wantedRole, metadata: { name: 'system:basic-user' } };
    assert.deepEqual(reconcileBootstrap(bare, wantedRole)?.metadata, wantedRole.metadata);
  });
});
