/**
 * The author headers every published event carries (shared/eventlog/author.ts) and the author of a
 * request's writes (services/gateway/write-context.ts): a table of requests, a round trip through
 * the headers, and the gateway's own identity outside any request.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AUTHOR_HEADERS, actingAuthor, authorHeaders, authorLabel, authorOf, type Author } from '../../shared/eventlog/author.js';
import { AUTHOR_HEADERS as HISTORY_HEADERS } from '../../services/gateway/history/author.js';
import { historyTable, type RevisionItem } from '../../services/jkctl/history.js';
import { auditId, currentAuthor, GATEWAY_AUTHOR, requestAuthor, runAs } from '../../services/gateway/write-context.js';

const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const alice = { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'] };

/** A Headers twin: what nats' MsgHdrs.get does for the names set. */
function headersOf(pairs: ReadonlyArray<readonly [string, string]>) {
  const m = new Map(pairs);
  return { get: (k: string) => m.get(k) ?? '' };
}

describe('requestAuthor', () => {
  const cases: Array<{ name: string; input: Parameters<typeof requestAuthor>[0]; want: Author }> = [
    {
      name: 'kubectl as itself: the manager from the user agent, as kube-apiserver derives it',
      input: { requester: alice, acting: alice, userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc', requestId: 'r1' },
      want: { user: 'alice', groups: ['dev', 'system:authenticated'], uid: 'u-1', fieldManager: 'kubectl', userAgent: 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc', requestId: 'r1' },
    },
    {
      name: '?fieldManager= wins over the user agent',
      input: { requester: alice, acting: alice, fieldManager: 'kubectl-edit', userAgent: 'kubectl/v1.32.0', requestId: 'r2' },
      want: { user: 'alice', groups: ['dev', 'system:authenticated'], uid: 'u-1', fieldManager: 'kubectl-edit', userAgent: 'kubectl/v1.32.0', requestId: 'r2' },
    },
    {
      name: 'impersonation: the requester is the user, the impersonated one impersonatedUser (as audit records them)',
      input: { requester: admin, acting: { username: 'bob', groups: ['qa', 'system:authenticated'] }, userAgent: 'kubectl/v1.32.0', requestId: 'r3' },
      want: {
        user: 'system:admin',
        groups: ['system:masters', 'system:authenticated'],
        impersonatedUser: 'bob',
        impersonatedGroups: ['qa', 'system:authenticated'],
        fieldManager: 'kubectl',
        userAgent: 'kubectl/v1.32.0',
        requestId: 'r3',
      },
    },
    {
      name: 'no user agent and no fieldManager: no manager, no user agent',
      input: { requester: admin, acting: admin, requestId: 'r4' },
      want: { user: 'system:admin', groups: ['system:masters', 'system:authenticated'], requestId: 'r4' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(requestAuthor(c.input), c.want));
  }
});

describe('author headers', () => {
  it('the history API reads the same header names the gateway writes (one constant)', () => {
    assert.equal(HISTORY_HEADERS, AUTHOR_HEADERS);
  });

  const roundTrips: Array<{ name: string; author: Author }> = [
    { name: 'a full author', author: { user: 'alice', groups: ['dev', 'ops'], uid: 'u-1', fieldManager: 'kubectl-edit', userAgent: 'kubectl/v1.32.0 (linux/amd64)', requestId: 'abc' } },
    { name: 'impersonation', author: { user: 'system:admin', groups: ['system:masters'], impersonatedUser: 'bob', impersonatedGroups: ['qa'], requestId: 'x' } },
    { name: 'a group name with a comma and a percent sign', author: { user: 'u', groups: ['a,b', '100%', 'c'] } },
    { name: 'the gateway itself', author: GATEWAY_AUTHOR },
  ];
  for (const c of roundTrips) {
    it(`round trip: ${c.name}`, () => assert.deepEqual(authorOf(headersOf(authorHeaders(c.author))), c.author));
  }

  it('writes the named headers, groups comma-separated', () => {
    assert.deepEqual(authorHeaders({ user: 'alice', groups: ['dev', 'ops'], fieldManager: 'kubectl', requestId: 'r' }), [
      ['Jetkube-User', 'alice'],
      ['Jetkube-Groups', 'dev,ops'],
      ['Jetkube-Field-Manager', 'kubectl'],
      ['Jetkube-Request-Id', 'r'],
    ]);
  });

  it('drops control characters (a header line cannot hold them) and empty values', () => {
    assert.deepEqual(authorHeaders({ user: 'ev\r\nil', userAgent: '\n', groups: [] }), [['Jetkube-User', 'evil']]);
  });

  it('no headers, or none of ours: no author', () => {
    assert.equal(authorOf(undefined), undefined);
    assert.equal(authorOf(headersOf([['Nats-Msg-Id', 'x']])), undefined);
  });

  it('the acting author is the impersonated user, else the user', () => {
    assert.equal(actingAuthor({ user: 'system:admin', impersonatedUser: 'bob' }), 'bob');
    assert.equal(actingAuthor({ user: 'alice' }), 'alice');
    assert.equal(actingAuthor(undefined), undefined);
  });
});

describe('the author of a write', () => {
  it("outside any request it is the gateway's own identity, with the internal write's manager", () => {
    assert.deepEqual(currentAuthor(), GATEWAY_AUTHOR);
    assert.deepEqual(currentAuthor('rbac-bootstrap'), { ...GATEWAY_AUTHOR, fieldManager: 'rbac-bootstrap' });
    assert.equal(GATEWAY_AUTHOR.user, 'system:apiserver');
  });

  it("inside a request it is the request's, across awaits", async () => {
    const a: Author = { user: 'alice', requestId: 'r' };
    const seen = await runAs(a, async () => {
      await new Promise((r) => setImmediate(r));
      return currentAuthor('ignored');
    });
    assert.deepEqual(seen, a);
    assert.deepEqual(currentAuthor(), GATEWAY_AUTHOR);
  });

  it("the audit id: the client's Audit-ID when usable, else a fresh UUID", () => {
    assert.equal(auditId('my-id-1'), 'my-id-1');
    assert.equal(auditId(['first', 'second']), 'first');
    for (const bad of [undefined, '', 'x'.repeat(200), 'a\nb', 'a,b']) {
      assert.match(auditId(bad), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, String(bad));
    }
  });
});

describe('jkctl history: the AUTHOR column', () => {
  const cases: Array<[string, Author | undefined, string]> = [
    ['the user', { user: 'alice', groups: ['dev'] }, 'alice'],
    ['whom the user impersonated, and via whom', { user: 'system:admin', impersonatedUser: 'bob' }, 'bob (via system:admin)'],
    ['an event without author headers', undefined, '<unknown>'],
  ];
  for (const [name, a, want] of cases) it(name, () => assert.equal(authorLabel(a), want));

  const rev = (sequence: number, author?: Author): RevisionItem => ({
    sequence,
    time: '2026-12-06T18:00:00.123456Z',
    type: sequence === 1 ? 'ADDED' : 'MODIFIED',
    summary: sequence === 1 ? 'created' : 'data.v 1→2',
    involvedObject: { kind: 'ConfigMap', namespace: 'default', name: 'cm' },
    ...(author ? { author } : {}),
  });

  it('a table with AUTHOR between TYPE and CHANGE', () => {
    const lines = historyTable([rev(1, { user: 'alice' }), rev(2, { user: 'system:admin', impersonatedUser: 'bob' })]).trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.split(/\s{2,}/)), [
      ['SEQ', 'TIME', 'TYPE', 'AUTHOR', 'CHANGE'],
      ['1', '2026-12-06T18:00:00Z', 'ADDED', 'alice', 'created'],
      ['2', '2026-12-06T18:00:00Z', 'MODIFIED', 'bob (via system:admin)', 'data.v 1→2'],
    ]);
  });

  it('no AUTHOR column when no revision names one (a log written before authors)', () => {
    assert.match(historyTable([rev(1), rev(2)]).split('\n')[0]!, /^SEQ\s+TIME\s+TYPE\s+CHANGE$/);
  });
});
