/**
 * The history API under RBAC: reading the past of a kind needs the verb on the kind itself, beside
 * the verb on the history resource (a Secret's revisions carry its data). Users are impersonated by
 * the test's administrator, as in rbac.int.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configMap, startStack, type Stack } from '../stack.js';
import { eventually } from '../wait.js';

const H = '/apis/history.jetkube.io/v1';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

describe('history API under RBAC', () => {
  let s: Stack;
  async function call(method: string, path: string, body?: unknown, as?: string): Promise<{ status: number; body: any }> {
    const h = new Headers(body !== undefined ? { 'content-type': 'application/json' } : {});
    if (as) h.set('Impersonate-User', as);
    const r = await fetch(s.url + path, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await call(method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async () => {
    s = await startStack('histrbac', {}, { authorizationMode: 'RBAC' });
    await ok('POST', '/api/v1/namespaces/default/configmaps', configMap('c1'));
    await ok('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, stringData: { password: 'hunter2' } });
    await ok('POST', `${RBAC}/namespaces/default/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'history-of-configmaps', namespace: 'default' },
      rules: [
        { apiGroups: ['history.jetkube.io'], resources: ['revisions', 'diffs', 'changes', 'objects'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
      ],
    });
    await ok('POST', `${RBAC}/namespaces/default/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'hana', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'history-of-configmaps' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'hana' }],
    });
    await eventually('the binding is in force', async () => (await call('GET', `${H}/namespaces/default/revisions?kind=cm&name=c1`, undefined, 'hana')).status === 200);
  });
  after(async () => {
    await s?.close();
  });

  it('answers for the kinds the user may read and refuses the others with 403', async () => {
    assert.equal((await call('GET', `${H}/namespaces/default/changes?since=1h&kind=cm`, undefined, 'hana')).status, 200);
    assert.equal((await call('GET', `${H}/namespaces/default/diffs?kind=cm&name=c1`, undefined, 'hana')).status, 200);
    for (const path of [
      `${H}/namespaces/default/revisions?kind=secrets&name=s1`,
      `${H}/namespaces/default/diffs?kind=secrets&name=s1`,
      `${H}/namespaces/default/objects?kind=secrets&at=1`,
      `${H}/namespaces/default/revisions`,
      `${H}/namespaces/default/changes?since=1h`,
    ]) {
      const r = await call('GET', path, undefined, 'hana');
      assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`);
      // A page of every kind holds Roles and Secrets: refused whole on the first kind not allowed.
      const kind = path.includes('kind=secrets') ? 'secrets' : '\\w+';
      assert.match(r.body.message, new RegExp(`User "hana" cannot (get|list) resource "${kind}" in API group "[\\w.]*" in the namespace "default"`));
    }
    const other = await call('GET', `${H}/namespaces/kube-system/revisions?kind=cm`, undefined, 'hana');
    assert.equal(other.status, 403);
  });
});
