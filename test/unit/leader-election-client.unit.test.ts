/**
 * The elector a service builds (electorFor) writes its Lease through a gateway client of its own, so
 * a controller-manager whose controllers fill every connection of the shared client (a new leader's
 * first burst of writes) still renews in time. Found by the chaos test: a leader that had just taken
 * over stepped down 3.5 s later, renew deadline exceeded, without one failed request. Here the
 * gateway is a small fake that answers Lease calls at once and never answers anything else.
 * Its requests time out after half the renew deadline: a renewal sent as NATS went down hung until
 * the deadline had passed, where the next one would have landed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { GatewayClient } from '../../shared/client/index.js';
import { createLogger } from '../../shared/log.js';
import { electorFor } from '../../shared/leaderelection/index.js';
import type { ServiceContext } from '../../shared/service/context.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';

function body(req: IncomingMessage): Promise<any> {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => resolve(b ? JSON.parse(b) : undefined));
  });
}

describe('the elector of a service has its own gateway client', () => {
  let server: Server;
  let url: string;
  let lease: any;
  let rv = 0;
  const agents = new Set<string>();
  let renewals = 0;
  /** The controllers' requests, held until the end of the test. */
  let holding = true;
  let hangPuts = 0;
  const held: (() => void)[] = [];

  before(async () => {
    server = createServer(async (req, res) => {
      const send = (code: number, obj: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
      if (!req.url!.startsWith(LEASES)) {
        // The controllers' requests: not answered while the test runs.
        const answer = () => send(503, { kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
        return holding ? void held.push(answer) : answer();
      }
      agents.add(String(req.headers['user-agent']));
      const b = await body(req);
      if (req.method === 'GET') return lease ? send(200, lease) : send(404, { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' });
      if (req.method === 'POST') {
        lease = { ...b, metadata: { ...b.metadata, resourceVersion: String(++rv) } };
        return send(201, lease);
      }
      if (req.method === 'PUT') {
        if (hangPuts > 0) {
          // A gateway whose event log just went away: the write hangs (and never lands).
          hangPuts--;
          held.push(() => send(503, { kind: 'Status', code: 503, reason: 'ServiceUnavailable' }));
          return;
        }
        if (b.metadata.resourceVersion !== lease.metadata.resourceVersion) return send(409, { kind: 'Status', code: 409, reason: 'Conflict', message: 'conflict' });
        lease = { ...b, metadata: { ...b.metadata, resourceVersion: String(++rv) } };
        renewals++;
        return send(200, lease);
      }
      send(405, { kind: 'Status', code: 405, reason: 'MethodNotAllowed' });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('keeps leading while the service client is saturated by requests that hang, and through a renewal that hangs', async () => {
    const client = new GatewayClient({ url, userAgent: 'jetkube-controller-manager', connections: 2, timeoutMs: 60_000 });
    const ctx = { client, log: createLogger('test', 'silent'), registry: new Registry() } as unknown as ServiceContext;
    // Every connection of the service's client is taken (and more requests queue behind them).
    const hung = Array.from({ length: 6 }, () => client.request('GET', '/api/v1/pods').catch(() => undefined));
    const elector = electorFor(ctx, 'kube-controller-manager', { leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 100, jitterFactor: 0 }, {}, {
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    })!;
    try {
      const started = await Promise.race([elector.start().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
      assert.equal(started, true, 'the first attempt answered');
      assert.equal(elector.isLeader(), true);
      await new Promise((r) => setTimeout(r, 2000)); // well past the renew deadline
      assert.equal(elector.state, 'leading', 'still leading');
      assert.ok(renewals >= 5, `renewed ${renewals} times`);
      assert.deepEqual([...agents], ['jetkube-controller-manager/leader-election'], 'the Lease calls carry their own User-Agent');
      // One renewal hangs: it is given up after half the renew deadline and the next one lands in time.
      const before = renewals;
      hangPuts = 1;
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(hangPuts, 0, 'a renewal hung');
      assert.equal(elector.state, 'leading', 'a hung renewal did not use up the renew deadline');
      assert.ok(renewals > before + 3);
    } finally {
      await elector.stop({ release: false });
      holding = false;
      for (const answer of held.splice(0)) answer();
      await client.close().catch(() => undefined);
      await Promise.all(hung);
    }
  });
});
