/**
 * Container stdin and tty as the docker runtime creates them (createOptions, pure): the engine
 * keeps stdin open for `stdin: true`, closes it after the first attach for `stdinOnce`, and gives a
 * terminal for `tty: true`; nothing of the kind otherwise.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createOptions } from '../../services/kubelet/runtime/docker.js';
import type { ContainerConfig } from '../../services/kubelet/runtime/types.js';

const base: ContainerConfig = { image: 'busybox', command: ['sh'], args: [], env: {}, labels: {}, ports: [] };

describe('docker create options: stdin, stdinOnce, tty', () => {
  const cases: { name: string; cfg: Partial<ContainerConfig>; want: { Tty: boolean; OpenStdin: boolean; StdinOnce: boolean } }[] = [
    { name: 'neither', cfg: {}, want: { Tty: false, OpenStdin: false, StdinOnce: false } },
    { name: 'stdin', cfg: { stdin: true }, want: { Tty: false, OpenStdin: true, StdinOnce: false } },
    { name: 'stdin once', cfg: { stdin: true, stdinOnce: true }, want: { Tty: false, OpenStdin: true, StdinOnce: true } },
    { name: 'stdinOnce without stdin means nothing', cfg: { stdinOnce: true }, want: { Tty: false, OpenStdin: false, StdinOnce: false } },
    { name: 'tty and stdin (kubectl run -it)', cfg: { stdin: true, stdinOnce: true, tty: true }, want: { Tty: true, OpenStdin: true, StdinOnce: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = createOptions({ ...base, ...c.cfg }, 'c');
      assert.deepEqual({ Tty: o.Tty, OpenStdin: o.OpenStdin, StdinOnce: o.StdinOnce }, c.want);
      assert.equal(o.AttachStdin, false, 'nobody is attached at creation');
    });
  }
});
