import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chooseContainer, kubeletAddress, parseLogOptions, upstreamStatus } from '../../services/gateway/logs.js';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';

const pod = (containers: string[], init: string[] = []): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: containers.map((name) => ({ name })), ...(init.length ? { initContainers: init.map((name) => ({ name })) } : {}) },
});

const badRequest = (re: RegExp) => (e: unknown) => isApiError(e) && e.code === 400 && re.test(e.message);

describe('pod log options', () => {
  it('forwards the log options, normalised, and not the container', () => {
    const o = parseLogOptions({ container: 'main', follow: 'true', tailLines: '010', timestamps: '1', previous: 'false', limitBytes: '0', pretty: 'x' });
    assert.equal(o.container, 'main');
    assert.equal(o.follow, true);
    assert.equal(o.upstreamQuery, 'follow=true&timestamps=true&tailLines=10&limitBytes=0');
    assert.equal(parseLogOptions({}).upstreamQuery, '');
    assert.equal(parseLogOptions({ follow: '' }).follow, true, 'a bare ?follow is true, as in Kubernetes');
    assert.equal(parseLogOptions({ follow: 'FALSE' }).follow, false);
    assert.equal(parseLogOptions({ sinceTime: '2024-01-02T03:04:05Z' }).upstreamQuery, 'sinceTime=2024-01-02T03%3A04%3A05Z');
  });

  it('refuses what is not a non-negative integer', () => {
    for (const [k, v] of [['tailLines', '-1'], ['sinceSeconds', 'abc'], ['limitBytes', '1.5'], ['tailLines', '1e3']] as const) {
      assert.throws(() => parseLogOptions({ [k]: v }), badRequest(new RegExp(`^${k}: invalid value "${v.replace('.', '\\.')}": must be a non-negative integer`)));
    }
    assert.throws(() => parseLogOptions({ sinceTime: 'yesterday' }), badRequest(/sinceTime/));
    assert.throws(() => parseLogOptions({ sinceTime: '2024-01-02T03:04:05Z', sinceSeconds: '5' }), badRequest(/at most one of sinceTime or sinceSeconds/));
  });
});

describe('pod log container', () => {
  it('defaults to the only container and checks a named one', () => {
    assert.equal(chooseContainer(pod(['main']), undefined), 'main');
    assert.equal(chooseContainer(pod(['a', 'b'], ['setup']), 'setup'), 'setup');
    assert.throws(() => chooseContainer(pod(['a', 'b']), undefined), badRequest(/^a container name must be specified for pod web, choose one of: \[a b\]$/));
    assert.throws(() => chooseContainer(pod(['a', 'b'], ['i']), undefined), badRequest(/choose one of: \[a b\] or one of the init containers: \[i\]$/));
    assert.throws(() => chooseContainer(pod(['main']), 'nope'), badRequest(/^container nope is not valid for pod web$/));
  });
});

describe('kubelet address', () => {
  const node = (status: object): KObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status });
  it('takes the InternalIP and the kubelet port', () => {
    const st = { addresses: [{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '127.0.0.9' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } };
    assert.deepEqual(kubeletAddress(node(st)), { host: '127.0.0.9', port: 10250 });
    assert.deepEqual(kubeletAddress(node({ ...st, addresses: [{ type: 'InternalIP', address: '::1' }] })), { host: '[::1]', port: 10250 });
    const unavailable = (re: RegExp) => (e: unknown) => isApiError(e) && e.code === 503 && re.test(e.message);
    assert.throws(() => kubeletAddress(node({ ...st, addresses: [] })), unavailable(/node "n1" reports no InternalIP address/));
    assert.throws(() => kubeletAddress(node({ ...st, daemonEndpoints: {} })), unavailable(/no kubelet port/));
    assert.throws(() => kubeletAddress(node({ ...st, daemonEndpoints: { kubeletEndpoint: { Port: 0 } } })), unavailable(/no kubelet port/));
  });
});

describe('kubelet error answers', () => {
  it('passes a Status through and wraps anything else', () => {
    const s = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'container not found', reason: 'NotFound', code: 404 };
    assert.deepEqual(upstreamStatus(404, JSON.stringify(s), 'x'), s);
    const w = upstreamStatus(500, 'boom\n', 'logs of container main of pod default/web') as { code: number; message: string; kind: string };
    assert.equal(w.kind, 'Status');
    assert.equal(w.code, 500);
    assert.equal(w.message, 'the kubelet answered 500 for logs of container main of pod default/web: boom');
  });
});
