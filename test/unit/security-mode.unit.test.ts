/**
 * Secure by default: `jetkube up` / `jetkube gateway` decide HTTPS + authentication vs plain HTTP
 * from --secure / --insecure and JETKUBE_AUTH; a component run alone needs a kubeconfig unless
 * plain HTTP was asked for; jkctl falls back to a local cluster's admin kubeconfig.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applySecurityMode, INSECURE_WARNING, securityMode, standaloneClientProblem, type SecurityFlags } from '../../shared/auth/authn/index.js';
import { kubeconfigPaths } from '../../services/jkctl/context.js';

describe('securityMode', () => {
  const cases: { name: string; flags: SecurityFlags; env: NodeJS.ProcessEnv; want: ReturnType<typeof securityMode> | RegExp }[] = [
    { name: 'nothing said: secure', flags: {}, env: {}, want: { secure: true, from: 'default' } },
    { name: '--insecure', flags: { insecure: true }, env: {}, want: { secure: false, from: 'flag' } },
    { name: '--secure (accepted, the default anyway)', flags: { secure: true }, env: {}, want: { secure: true, from: 'flag' } },
    { name: 'JETKUBE_AUTH=off', flags: {}, env: { JETKUBE_AUTH: 'off' }, want: { secure: false, from: 'JETKUBE_AUTH' } },
    { name: 'JETKUBE_AUTH=false', flags: {}, env: { JETKUBE_AUTH: 'false' }, want: { secure: false, from: 'JETKUBE_AUTH' } },
    { name: 'JETKUBE_AUTH=on', flags: {}, env: { JETKUBE_AUTH: 'on' }, want: { secure: true, from: 'JETKUBE_AUTH' } },
    { name: 'JETKUBE_AUTH empty is off, as boolFromEnv reads it', flags: {}, env: { JETKUBE_AUTH: '' }, want: { secure: false, from: 'JETKUBE_AUTH' } },
    { name: 'a flag wins over the environment: --insecure, JETKUBE_AUTH=on', flags: { insecure: true }, env: { JETKUBE_AUTH: 'on' }, want: { secure: false, from: 'flag' } },
    { name: 'a flag wins over the environment: --secure, JETKUBE_AUTH=off', flags: { secure: true }, env: { JETKUBE_AUTH: 'off' }, want: { secure: true, from: 'flag' } },
    { name: 'both flags', flags: { secure: true, insecure: true }, env: {}, want: /--secure and --insecure contradict each other/ },
    { name: 'a bad JETKUBE_AUTH', flags: {}, env: { JETKUBE_AUTH: 'maybe' }, want: /JETKUBE_AUTH must be on or off, got "maybe"/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.want instanceof RegExp) assert.throws(() => securityMode(c.flags, c.env), c.want);
      else assert.deepEqual(securityMode(c.flags, c.env), c.want);
    });
  }
});

describe('applySecurityMode', () => {
  it('puts the decision in JETKUBE_AUTH and warns about plain HTTP only', () => {
    const lines: string[] = [];
    const env: NodeJS.ProcessEnv = {};
    assert.equal(applySecurityMode({}, env, (l) => lines.push(l)).secure, true);
    assert.deepEqual([env.JETKUBE_AUTH, lines], ['on', []]);
    assert.equal(applySecurityMode({ insecure: true }, env, (l) => lines.push(l)).secure, false);
    assert.deepEqual([env.JETKUBE_AUTH, lines], ['off', [INSECURE_WARNING]]);
    assert.match(INSECURE_WARNING, /^jetkube: WARNING: insecure mode .*\n$/);
  });
});

describe('standaloneClientProblem', () => {
  const cases: { name: string; kubeconfig?: string; env: NodeJS.ProcessEnv; ok: boolean }[] = [
    { name: 'a kubeconfig', kubeconfig: '/k', env: {}, ok: true },
    { name: 'a kubeconfig, JETKUBE_AUTH=off', kubeconfig: '/k', env: { JETKUBE_AUTH: 'off' }, ok: true },
    { name: 'none, plain HTTP asked for', env: { JETKUBE_AUTH: 'off' }, ok: true },
    { name: 'none, nothing said (secure by default)', env: {}, ok: false },
    { name: 'none, JETKUBE_AUTH=on', env: { JETKUBE_AUTH: 'on' }, ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const problem = standaloneClientProblem('scheduler', c.kubeconfig, c.env);
      if (c.ok) assert.equal(problem, undefined);
      else assert.match(problem ?? '', /^jetkube scheduler needs --kubeconfig <file>: the gateway is secure by default.*JETKUBE_AUTH=off/);
    });
  }
});

describe("jkctl's kubeconfig files", () => {
  const cases: { name: string; opts: { kubeconfig?: string }; env: NodeJS.ProcessEnv; want: string[] }[] = [
    { name: '--kubeconfig alone', opts: { kubeconfig: '/a' }, env: { KUBECONFIG: '/b' }, want: ['/a'] },
    { name: 'KUBECONFIG, its files in order', opts: {}, env: { KUBECONFIG: '/b:/c' }, want: ['/b', '/c'] },
    { name: '~/.kube/config, then the local cluster\'s admin kubeconfig', opts: {}, env: {}, want: ['/home/u/.kube/config', '/home/u/.local/share/jetkube/jetkube/admin.kubeconfig'] },
    { name: 'the admin kubeconfig follows JETKUBE_PREFIX', opts: {}, env: { JETKUBE_PREFIX: 'dev' }, want: ['/home/u/.kube/config', '/home/u/.local/share/jetkube/dev/admin.kubeconfig'] },
    { name: 'and JETKUBE_DATA_DIR', opts: {}, env: { JETKUBE_DATA_DIR: '/srv/jk' }, want: ['/home/u/.kube/config', '/srv/jk/admin.kubeconfig'] },
    { name: 'and XDG_DATA_HOME', opts: {}, env: { XDG_DATA_HOME: '/xdg' }, want: ['/home/u/.kube/config', '/xdg/jetkube/jetkube/admin.kubeconfig'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(kubeconfigPaths(c.opts, c.env, '/home/u'), c.want));
});
