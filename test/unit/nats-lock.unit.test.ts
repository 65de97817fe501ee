/**
 * The locked stores' pure parts: who may publish and subscribe to what (a table of subjects per
 * role, matched with NATS' wildcard rules: allowed if an allow matches and no deny does), the
 * nats-server configuration text, the Postgres role statements, and NATS_USER in the config.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsAuthorization, natsPermissions, natsServerConfig, natsUserName, type NatsRole, type SubjectPermissions } from '../../shared/nats-lock/config.js';
import { dbRoleNames, roleStatements, urlAsRole } from '../../shared/db/roles.js';
import { loadConfig } from '../../shared/config.js';

/** NATS subject matching: `*` one token, `>` one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const permits = (perm: SubjectPermissions, subject: string) => perm.allow.some((a) => matches(a, subject)) && !perm.deny.some((d) => matches(d, subject));

const P = 'lk';
const S = 'LK';
const PUBLISH: [NatsRole, string, boolean][] = [
  // only the gateway writes events and manages the stream
  ['gateway', `${P}.res.pods.default.web`, true],
  ['gateway', `${P}.alloc.serviceips.10_0_0_1`, true],
  ['gateway', `$JS.API.STREAM.CREATE.${S}`, true],
  ['gateway', `$JS.API.STREAM.UPDATE.${S}`, true],
  ['gateway', `$JS.API.STREAM.PURGE.${S}`, true],
  ['gateway', `$JS.API.DIRECT.GET.${S}.${P}.res.pods.default.web`, true],
  ['gateway', `$JS.API.CONSUMER.CREATE.${S}.w1.${P}.res.pods.>`, true],
  ['gateway', `$JS.API.CONSUMER.MSG.NEXT.${S}.w1`, true],
  ['gateway', `$JS.API.STREAM.CREATE.OTHER`, false],
  ['gateway', `$JS.API.STREAM.DELETE.OTHER`, false],
  ['gateway', `${P}-sys.checkpoint`, false],
  ['projector', `${P}.res.pods.default.web`, false],
  ['projector', `${P}.alloc.serviceips.10_0_0_1`, false],
  ['projector', `$JS.API.STREAM.CREATE.${S}`, false],
  ['projector', `$JS.API.STREAM.PURGE.${S}`, false],
  ['projector', `$JS.API.STREAM.MSG.DELETE.${S}`, false],
  ['projector', `$JS.API.STREAM.INFO.${S}`, true],
  ['projector', `$JS.API.CONSUMER.CREATE.${S}.projector`, true],
  ['projector', `$JS.API.CONSUMER.DELETE.${S}.projector`, true],
  ['projector', `$JS.API.CONSUMER.MSG.NEXT.${S}.projector`, true],
  ['projector', `$JS.ACK.${S}.projector.1.42.42.1733500000000000000.0`, true],
  ['projector', `${P}-sys.checkpoint`, true],
  ['projector', `$JS.API.STREAM.INFO.OTHER`, false],
  ['reader', `${P}.res.pods.default.web`, false],
  ['reader', `${P}.alloc.serviceips.10_0_0_1`, false],
  ['reader', `${P}-sys.checkpoint`, false],
  ['reader', `$JS.API.STREAM.CREATE.${S}`, false],
  ['reader', `$JS.API.STREAM.PURGE.${S}`, false],
  ['reader', `$JS.API.INFO`, true],
  ['reader', `$JS.API.STREAM.INFO.${S}`, true],
  ['reader', `$JS.API.DIRECT.GET.${S}`, true],
  ['reader', `$JS.API.CONSUMER.CREATE.${S}.ord_1.${P}.res.pods.>`, true],
  ['reader', `$JS.API.CONSUMER.MSG.NEXT.${S}.ord_1`, true],
  ['reader', `$JS.API.CONSUMER.DELETE.${S}.ord_1`, true],
  // the projector's durable is the projector's alone
  ['reader', `$JS.API.CONSUMER.CREATE.${S}.projector`, false],
  ['reader', `$JS.API.CONSUMER.CREATE.${S}.projector.${P}.res.>`, false],
  ['reader', `$JS.API.CONSUMER.DELETE.${S}.projector`, false],
  ['reader', `$JS.API.CONSUMER.MSG.NEXT.${S}.projector`, false],
  ['reader', `$JS.ACK.${S}.projector.1.42.42.1733500000000000000.0`, false],
  ['reader', `$JS.API.CONSUMER.CREATE.OTHER.x`, false],
];
const SUBSCRIBE: [NatsRole, string, boolean][] = [
  ['gateway', '_INBOX.abc.1', true],
  ['gateway', `${P}-sys.checkpoint`, true],
  ['gateway', `${P}.res.pods.default.web`, false],
  ['projector', '_INBOX.abc.1', true],
  ['projector', `${P}.res.pods.default.web`, false],
  ['reader', '_INBOX.abc.1', true],
  ['reader', `${P}.res.>`, false],
  ['reader', `${P}-sys.checkpoint`, false],
];

describe('natsPermissions', () => {
  for (const [role, subject, want] of PUBLISH) {
    it(`${role} ${want ? 'may' : 'may not'} publish to ${subject}`, () => assert.equal(permits(natsPermissions(role, P).publish, subject), want));
  }
  for (const [role, subject, want] of SUBSCRIBE) {
    it(`${role} ${want ? 'may' : 'may not'} subscribe to ${subject}`, () => assert.equal(permits(natsPermissions(role, P).subscribe, subject), want));
  }
});

describe('natsServerConfig', () => {
  const text = natsServerConfig({
    prefix: P,
    listen: '127.0.0.1:-1',
    storeDir: '/data/js "x"',
    users: [
      { role: 'gateway', user: natsUserName('gateway'), password: 'pa"ss' },
      { role: 'reader', user: natsUserName('reader'), password: 'r' },
    ],
  });
  it('quotes every string', () => {
    assert.match(text, /listen: "127\.0\.0\.1:-1"/);
    assert.match(text, /store_dir: "\/data\/js \\"x\\""/);
    assert.match(text, /\{ user: "jetkube-gateway", password: "pa\\"ss", permissions: \{/);
    assert.match(text, /"\$JS\.API\.STREAM\.\*\.LK"/);
  });
  it('has one user per entry and no anonymous user', () => {
    assert.equal(text.match(/\{ user: /g)?.length, 2);
    assert.doesNotMatch(text, /no_auth_user/);
  });
  it('the authorization block alone is what the whole file ends with', () => {
    assert.ok(text.endsWith(natsAuthorization(P, [
      { role: 'gateway', user: natsUserName('gateway'), password: 'pa"ss' },
      { role: 'reader', user: natsUserName('reader'), password: 'r' },
    ])));
  });
});

describe('roleStatements', () => {
  const names = dbRoleNames('lk');
  const sql = roleStatements('post"gres', 'lk', { projector: { name: names.projector, password: "it's" }, gateway: { name: names.gateway, password: 'g' } });
  it('names one role pair per prefix', () => assert.deepEqual(names, { projector: 'lk_projector', gateway: 'lk_gateway' }));
  it('quotes identifiers and literals', () => {
    assert.ok(sql.includes(`grant connect, create on database "post""gres" to "lk_projector"`));
    assert.ok(sql.some((s) => s.includes(`password 'it''s'`)));
  });
  it('makes the projector own the schema and gives the gateway reads only', () => {
    assert.ok(sql.includes(`create schema if not exists "lk" authorization "lk_projector"`));
    assert.ok(sql.includes(`grant select on all tables in schema "lk" to "lk_gateway"`));
    assert.ok(sql.includes(`alter default privileges for role "lk_projector" grant select on tables to "lk_gateway"`));
    const toGateway = sql.filter((s) => /^grant .* to "lk_gateway"$/.test(s) || /to "lk_gateway"$/.test(s));
    for (const s of toGateway) assert.doesNotMatch(s, /insert|update|delete|create|all privileges/i, s);
  });
  it('urlAsRole swaps the user and password, and keeps the rest', () => {
    assert.equal(urlAsRole('postgres://postgres@127.0.0.1:5432/db?sslmode=disable', { name: 'lk_gateway', password: 'p@ss/w' }), 'postgres://lk_gateway:p%40ss%2Fw@127.0.0.1:5432/db?sslmode=disable');
  });
});

describe('loadConfig: NATS_USER', () => {
  it('none by default', () => assert.equal(loadConfig({}).natsCredentials, undefined));
  it('NATS_USER with NATS_PASSWORD', () => assert.deepEqual(loadConfig({ NATS_USER: 'u', NATS_PASSWORD: 'p' }).natsCredentials, { user: 'u', password: 'p' }));
  it('NATS_PASSWORD_FILE, trimmed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jetkube-natsuser-'));
    try {
      await writeFile(join(dir, 'pw'), 'secret\n');
      assert.deepEqual(loadConfig({ NATS_USER: 'u', NATS_PASSWORD_FILE: join(dir, 'pw') }).natsCredentials, { user: 'u', password: 'secret' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('a user without a password, or a password without a user, is an error', () => {
    assert.throws(() => loadConfig({ NATS_USER: 'u' }), /NATS_USER needs NATS_PASSWORD/);
    assert.throws(() => loadConfig({ NATS_PASSWORD: 'p' }), /need NATS_USER/);
  });
});
