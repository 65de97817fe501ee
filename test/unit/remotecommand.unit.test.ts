import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeClientFrame,
  encodeFrame,
  exitStatus,
  internalErrorStatus,
  kubeletQuery,
  negotiateProtocol,
  parseStreamOptions,
  StreamOptionsError,
} from '../../shared/remotecommand.js';
import { checkExec, execContainer } from '../../services/gateway/exec.js';
import { execArgv, shQuote } from '../../services/kubelet/runtime/process-exec.js';
import { isApiError } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';

const q = (s: string) => new URLSearchParams(s);

describe('remote command protocol', () => {
  it('negotiates v5 first, then v4, and nothing else', () => {
    assert.equal(negotiateProtocol('v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(negotiateProtocol('v4.channel.k8s.io, v5.channel.k8s.io'), 'v5.channel.k8s.io');
    assert.equal(negotiateProtocol(['v4.channel.k8s.io', 'channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(negotiateProtocol('base64.channel.k8s.io'), undefined);
    assert.equal(negotiateProtocol(undefined), undefined);
  });

  it('prefixes each message with its stream byte', () => {
    assert.deepEqual([...encodeFrame(1, 'hi')], [1, 0x68, 0x69]);
    assert.deepEqual([...encodeFrame(3, Buffer.alloc(0))], [3]);
  });

  it('decodes stdin, resize and the v5 close signal', () => {
    assert.deepEqual(decodeClientFrame(Buffer.from([0, 0x61]), true), { type: 'stdin', data: Buffer.from('a') });
    assert.deepEqual(decodeClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]), true), { type: 'resize', width: 120, height: 40 });
    assert.deepEqual(decodeClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"height":30,"width":100}')]), true), { type: 'resize', width: 100, height: 30 });
    assert.deepEqual(decodeClientFrame(Buffer.from([255, 0]), true), { type: 'close', stream: 0 });
    assert.equal(decodeClientFrame(Buffer.from([255, 0]), false).type, 'invalid', 'v4 has no close signal');
    assert.equal(decodeClientFrame(Buffer.from([255, 0, 1]), true).type, 'invalid');
    assert.equal(decodeClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":"x"}')]), true).type, 'invalid');
    assert.equal(decodeClientFrame(Buffer.from([1, 0x61]), true).type, 'ignore', 'stdout from the client is dropped');
    assert.equal(decodeClientFrame(Buffer.alloc(0), true).type, 'ignore');
  });

  it('builds the error stream Status as the kubelet writes it', () => {
    assert.deepEqual(exitStatus(['sh', '-c', 'exit 3'], 0), { metadata: {}, status: 'Success' });
    assert.deepEqual(JSON.parse(JSON.stringify(exitStatus(['sh', '-c', 'exit 3'], 3))), {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    const ie = internalErrorStatus('container not found ("x")');
    assert.equal(ie.reason, 'InternalError');
    assert.equal(ie.code, 500);
    assert.equal(ie.message, 'Internal error occurred: error executing command in container: container not found ("x")');
  });

  it('parses exec options: commands, streams, a tty drops stderr', () => {
    assert.deepEqual(parseStreamOptions(q('command=sh&command=-c&command=exit+3&stdout=true&stderr=true&container=m'), 'exec'), {
      command: ['sh', '-c', 'exit 3'],
      container: 'm',
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    const tty = parseStreamOptions(q('command=sh&stdin=1&stdout=true&stderr=true&tty=true'), 'exec');
    assert.equal(tty.stderr, false);
    assert.equal(tty.tty, true);
    assert.throws(() => parseStreamOptions(q('command=true'), 'exec'), new StreamOptionsError('you must specify at least 1 of stdin, stdout, stderr'));
    assert.throws(() => parseStreamOptions(q('stdout=true'), 'exec'), StreamOptionsError);
    assert.doesNotThrow(() => parseStreamOptions(q('stdout=true'), 'attach'));
    assert.equal(parseStreamOptions(q('command=a&stdout=false&stdin=0&stderr=1'), 'exec').stdout, false);
  });

  it('forwards the options to the kubelet without the container', () => {
    assert.equal(kubeletQuery(parseStreamOptions(q('command=echo&command=a+b&stdout=true&container=m'), 'exec')), 'command=echo&command=a+b&stdout=true');
  });
});

const pod = (containers: string[], extra: Partial<KObject> = {}, init: string[] = []): KObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { nodeName: 'n1', containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
    status: { phase: 'Running' },
    ...extra,
  }) as KObject;

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(isApiError(e));
    return `${e.code} ${e.message}`;
  }
  assert.fail('did not throw');
};

describe('gateway exec checks', () => {
  it("chooses the container with the API server's messages", () => {
    assert.equal(execContainer(pod(['a']), undefined), 'a');
    assert.equal(execContainer(pod(['a', 'b']), 'b'), 'b');
    assert.equal(message(() => execContainer(pod(['a', 'b']), undefined)), '400 a container name must be specified for pod p, choose one of: [a b]');
    assert.equal(message(() => execContainer(pod(['a', 'b'], {}, ['i']), undefined)), '400 a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [i]');
    assert.equal(message(() => execContainer(pod(['a']), 'x')), '400 container x is not valid for pod p');
  });

  it('refuses no stream, an unbound pod, a finished pod', () => {
    assert.equal(message(() => checkExec(pod(['a']), q('command=true'), 'exec')), '400 you must specify at least 1 of stdin, stdout, stderr');
    assert.equal(message(() => checkExec(pod(['a'], { spec: { containers: [{ name: 'a' }] } }), q('command=true&stdout=1'), 'exec')), '400 pod p does not have a host assigned');
    assert.equal(
      message(() => checkExec(pod(['a'], { status: { phase: 'Succeeded' } }), q('command=true&stdout=1'), 'exec')),
      '400 cannot exec into a container in a completed pod; current phase is Succeeded',
    );
    assert.deepEqual(checkExec(pod(['a']), q('command=true&stdout=1'), 'exec').nodeName, 'n1');
  });
});

describe('process runtime exec argv', () => {
  it('runs the command as is, or under script for a tty', () => {
    assert.deepEqual(execArgv(['sh', '-c', 'exit 3'], false), ['sh', '-c', 'exit 3']);
    assert.deepEqual(execArgv(['sh', '-c', "echo 'x'"], true), ['script', '-qefc', `sh -c 'echo '\\''x'\\'''`, '/dev/null']);
    assert.equal(shQuote('a/b.c'), 'a/b.c');
    assert.equal(shQuote(''), `''`);
  });
});
