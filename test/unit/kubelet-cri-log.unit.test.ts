import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLogLine, nanoTime, readLogFile } from '../../services/kubelet/runtime/cri-log.js';

const lines = (...texts: string[]) => texts.map((text, i) => formatLogLine({ time: nanoTime(Date.now(), i), stream: 'stdout', tag: 'F', text })).join('');

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('following a container log file', () => {
  it('reads what a container wrote and ended with between a failed open and the finished check', async () => {
    // The race kubectl attach -i lost: the log did not exist yet, the container answered its stdin
    // and exited at once, and the follower's next look saw it finished.
    const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
    try {
      const path = join(dir, 'container.log');
      const finished = async () => {
        writeFileSync(path, lines('got one', 'bye'));
        return true;
      };
      const got = await collect(readLogFile(path, { follow: true }, finished, 5));
      assert.deepEqual(got, ['got one\n', 'bye\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends with nothing when the container finished without writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
    try {
      let positioned = 0;
      const got = await collect(readLogFile(join(dir, 'container.log'), { follow: true, onPositioned: () => positioned++ }, async () => true, 5));
      assert.deepEqual(got, []);
      assert.equal(positioned, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows lines appended after the start until the writer finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cri-log-'));
    try {
      const path = join(dir, 'container.log');
      writeFileSync(path, lines('old'));
      let checks = 0;
      const finished = async () => {
        checks++;
        if (checks === 1) writeFileSync(path, lines('old', 'new'));
        return checks > 2;
      };
      const got = await collect(readLogFile(path, { follow: true, tailLines: 0 }, finished, 5));
      assert.deepEqual(got, ['new\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
