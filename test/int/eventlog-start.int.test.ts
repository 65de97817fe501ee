/**
 * Several processes starting at once on a new prefix (the projector and gateway of one `jetkube
 * up`, two gateways) all find the stream: whichever add loses the race (nats-server's "name
 * already in use" or "subjects overlap") sees the winner's stream and goes on.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog } from '../../shared/eventlog/index.js';
import { dropPrefix, testConfig } from '../harness.js';

describe('event log start-up race', () => {
  it('four connects at once on a fresh prefix all succeed, five times over', async () => {
    for (let round = 0; round < 5; round++) {
      const cfg = await testConfig('esrace');
      try {
        const logs = await Promise.all(
          Array.from({ length: 4 }, () => EventLog.connect({ natsUrl: cfg.natsUrl, prefix: cfg.prefix, historyPerObject: cfg.historyPerObject })),
        );
        for (const l of logs) assert.equal((await l.state()).lastSeq, 0);
        await Promise.all(logs.map((l) => l.close()));
      } finally {
        await dropPrefix(cfg);
      }
    }
  });
});
