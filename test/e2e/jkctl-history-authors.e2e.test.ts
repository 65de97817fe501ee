/**
 * Who changed what, as a user sees it: kubectl 1.32 changes a ConfigMap as two different users
 * (impersonation with `--as`, the administrator's own credentials otherwise), and `jkctl history`
 * names each revision's author; `-o json` has the whole author (field manager, user agent, request id).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { JKCTL, run } from './cli.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';
import { eventually } from '../wait.js';

describe('jkctl history names the author of each change', { skip: KUBECTL_SKIP }, () => {
  const s = kubectlSuite('jkauthors');
  const env = () => ({ ...process.env, KUBECONFIG: '/dev/null', HOME: tmpdir() });
  const kubectl = async (extraEnv: Record<string, string>, ...args: string[]) => {
    const r = await run('kubectl', ['--server', s.stack.url, '--request-timeout=20s', ...args], { ...env(), ...extraEnv });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const jkctl = async (...args: string[]) => {
    const r = await run(process.execPath, [JKCTL, ...args], { ...env(), GATEWAY_URL: s.stack.url });
    assert.equal(r.code, 0, `jkctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('shows alice, bob and the administrator after their kubectl changes', async () => {
    await kubectl({}, 'create', 'configmap', 'settings', '--from-literal=mode=one', '--as', 'alice');
    // kubectl edit as bob: the "editor" rewrites the value in the file kubectl hands it.
    await kubectl({ KUBE_EDITOR: 'sed -i s/one/two/' }, 'edit', 'configmap/settings', '--as', 'bob', '--as-group', 'qa');
    await kubectl({}, 'label', 'configmap', 'settings', 'tier=gold');

    const table = await eventually('three revisions in the history', async () => {
      const out = await jkctl('history', 'configmap/settings');
      return out.trimEnd().split('\n').length === 4 ? out : undefined;
    });
    const rows = table.trimEnd().split('\n').map((l) => l.split(/\s{2,}/));
    assert.deepEqual(rows[0], ['SEQ', 'TIME', 'TYPE', 'AUTHOR', 'CHANGE']);
    // Plain HTTP: the requester is system:admin; --as names whom it acts as.
    assert.deepEqual(rows.slice(1).map((r) => [r[2], r[3]]), [
      ['ADDED', 'alice (via system:admin)'],
      ['MODIFIED', 'bob (via system:admin)'],
      ['MODIFIED', 'system:admin'],
    ]);

    const list = JSON.parse(await jkctl('history', 'configmap/settings', '-o', 'json'));
    const authors = list.items.map((i: { author: Record<string, unknown> }) => i.author);
    assert.equal(authors[0].impersonatedUser, 'alice');
    assert.equal(authors[0].fieldManager, 'kubectl-create');
    assert.equal(authors[1].impersonatedUser, 'bob');
    assert.ok(authors[1].impersonatedGroups.includes('qa'), JSON.stringify(authors[1]));
    assert.equal(authors[1].fieldManager, 'kubectl-edit');
    assert.match(authors[1].userAgent, /^kubectl\//);
    assert.equal(authors[2].user, 'system:admin');
    assert.equal(authors[2].impersonatedUser, undefined);
    for (const a of authors) assert.match(a.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(new Set(authors.map((a: { requestId: string }) => a.requestId)).size, 3, 'one request id per request');
  });

  it('kubectl get revisions -o wide has the AUTHOR column too', async () => {
    const out = await kubectl({}, 'get', 'revisions', '--field-selector', 'involvedObject.kind=ConfigMap,involvedObject.name=settings', '-o', 'wide');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+TYPE\s+OBJECT\s+CHANGE\s+TIME\s+AUTHOR$/);
    assert.match(lines[1]!, /\sADDED\s.*\salice \(via system:admin\)$/);
    assert.match(lines[2]!, /\sMODIFIED\s.*\sbob \(via system:admin\)$/);
  });
});
