/**
 * The locked stores' pure parts: who may publish and subscribe to what (a table of subjects per
 * role, matched with NATS' wildcard rules: allowed if an allow matches and no deny does), the
 * nats-server configuration text, the Postgres role statements, and NATS_USER in the config.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATS_ROLES, natsAuthorization, natsPermissions, natsServerConfig, natsUserName, type NatsRole, type SubjectPermissions } from '../../shared/nats-lock/config.js';
import { assertReads, READER_COMPONENTS, readScopeOf, ReadScopeError, STREAM_READERS } from '../../shared/nats-lock/reads.js';
import { resourceFilter } from '../../shared/eventlog/subjects.js';
import type { EventLog } from '../../shared/eventlog/event-log.js';
import { Informer } from '../../shared/informer/index.js';
import { RESOURCES } from '../../shared/resources/registry.js';
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
  // every reader: no events, no checkpoint, no stream management, not the projector's durable
  ...READER_COMPONENTS.flatMap((r): [NatsRole, string, boolean][] => [
    [r, `${P}.res.pods.default.web`, false],
    [r, `${P}.alloc.serviceips.10_0_0_1`, false],
    [r, `${P}-sys.checkpoint`, false],
    [r, `$JS.API.STREAM.CREATE.${S}`, false],
    [r, `$JS.API.STREAM.PURGE.${S}`, false],
    [r, `$JS.API.STREAM.MSG.DELETE.${S}`, false],
    [r, `$JS.API.INFO`, true],
    [r, `$JS.API.STREAM.INFO.${S}`, true],
    [r, `$JS.API.CONSUMER.MSG.NEXT.${S}.oc_1`, true],
    [r, `$JS.API.CONSUMER.INFO.${S}.oc_1`, true],
    [r, `$JS.API.CONSUMER.DELETE.${S}.oc_1`, true],
    [r, `$JS.API.CONSUMER.CREATE.${S}.projector`, false],
    [r, `$JS.API.CONSUMER.CREATE.${S}.projector.${P}.res.>`, false],
    [r, `$JS.API.CONSUMER.CREATE.${S}.projector.${P}.res.pods.>`, false],
    [r, `$JS.API.CONSUMER.DURABLE.CREATE.${S}.mine`, false],
    [r, `$JS.API.CONSUMER.DELETE.${S}.projector`, false],
    [r, `$JS.API.CONSUMER.MSG.NEXT.${S}.projector`, false],
    [r, `$JS.ACK.${S}.projector.1.42.42.1733500000000000000.0`, false],
    [r, `$JS.API.CONSUMER.CREATE.OTHER.x`, false],
    [r, `$JS.API.CONSUMER.CREATE.OTHER.x.${P}.res.pods.>`, false],
  ]),
  // the controller-manager reads everything (GC, namespaces: every kind)
  ['controller-manager', `$JS.API.CONSUMER.CREATE.${S}`, true],
  ['controller-manager', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.secrets.>`, true],
  ['controller-manager', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.widgets_example_com.>`, true],
  ['controller-manager', `$JS.API.DIRECT.GET.${S}`, true],
  // a scoped reader: a consumer on its own resources only, with the filter in the subject
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.pods.>`, true],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.pods.default.*`, true],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.services.>`, true],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.secrets.>`, false],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.configmaps.>`, false],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.>`, false],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.alloc.>`, false],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}.oc_1`, false],
  ['kubelet', `$JS.API.CONSUMER.CREATE.${S}`, false],
  ['kubelet', `$JS.API.DIRECT.GET.${S}.${P}.res.pods.default.web`, true],
  ['kubelet', `$JS.API.DIRECT.GET.${S}.${P}.res.secrets.default.token`, false],
  ['kubelet', `$JS.API.DIRECT.GET.${S}`, false],
  ['kubelet', `$JS.API.STREAM.MSG.GET.${S}`, false],
  ['scheduler', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.nodes.>`, true],
  ['scheduler', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.secrets.>`, false],
  ['proxy', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.endpoints.>`, true],
  ['proxy', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.pods.>`, false],
  ['dns', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.pods.>`, true],
  ['dns', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.secrets.>`, false],
  // ingress reads TLS Secrets (and holds the key), nothing it does not route
  ['ingress', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.secrets.>`, true],
  ['ingress', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.configmaps.>`, false],
  ['ingress', `$JS.API.CONSUMER.CREATE.${S}.oc_1.${P}.res.pods.>`, false],
];
const SUBSCRIBE: [NatsRole, string, boolean][] = [
  ['gateway', '_INBOX.abc.1', true],
  ['gateway', `${P}-sys.checkpoint`, true],
  ['gateway', `${P}.res.pods.default.web`, false],
  ['projector', '_INBOX.abc.1', true],
  ['projector', `${P}.res.pods.default.web`, false],
  ...READER_COMPONENTS.flatMap((r): [NatsRole, string, boolean][] => [
    [r, '_INBOX.abc.1', true],
    [r, `${P}.res.>`, false],
    [r, `${P}.res.secrets.default.token`, false],
    [r, `${P}-sys.checkpoint`, false],
  ]),
];

describe('natsPermissions', () => {
  for (const [role, subject, want] of PUBLISH) {
    it(`${role} ${want ? 'may' : 'may not'} publish to ${subject}`, () => assert.equal(permits(natsPermissions(role, P).publish, subject), want));
  }
  for (const [role, subject, want] of SUBSCRIBE) {
    it(`${role} ${want ? 'may' : 'may not'} subscribe to ${subject}`, () => assert.equal(permits(natsPermissions(role, P).subscribe, subject), want));
  }
});

describe('read scopes (shared/nats-lock/reads.ts): the permissions follow the one table', () => {
  const plurals = [...new Set(RESOURCES.map((r) => r.plural))];
  for (const component of READER_COMPONENTS) {
    const reads = STREAM_READERS[component];
    if (reads === 'all') continue;
    const pub = natsPermissions(component, P).publish;
    it(`${component}: a consumer and a newest-message get on each resource of its row, and on no other`, () => {
      for (const plural of plurals) {
        const want = (reads as readonly string[]).includes(plural);
        assert.equal(permits(pub, `$JS.API.CONSUMER.CREATE.${S}.oc_7.${resourceFilter(P, plural)}`), want, `consumer on ${plural}`);
        assert.equal(permits(pub, `$JS.API.DIRECT.GET.${S}.${P}.res.${plural}.default.x`), want, `direct get on ${plural}`);
      }
    });
  }
  it('every role has a user, and every reader component is a role', () => {
    assert.deepEqual([...NATS_ROLES].sort(), ['gateway', 'projector', ...READER_COMPONENTS].sort());
    assert.equal(new Set(NATS_ROLES.map(natsUserName)).size, NATS_ROLES.length);
  });
  it('the kubelet reads neither Secrets nor ConfigMaps from the stream; the ingress reads Secrets', () => {
    assert.ok(!(STREAM_READERS.kubelet as readonly string[]).includes('secrets'));
    assert.ok(!(STREAM_READERS.kubelet as readonly string[]).includes('configmaps'));
    assert.ok((STREAM_READERS.ingress as readonly string[]).includes('secrets'));
  });
  it('an informer outside the row is refused at once; inside, and with no scope, it is made', () => {
    const el = (reads?: ReturnType<typeof readScopeOf>) => ({ root: 'unit', readScope: reads }) as unknown as EventLog;
    assert.throws(() => new Informer({ log: el(readScopeOf('kubelet')), plural: 'secrets' }), (e: unknown) => e instanceof ReadScopeError && /may not read secrets/.test(e.message));
    assert.throws(() => new Informer({ log: el(readScopeOf('proxy')), plural: 'pods' }), ReadScopeError);
    assert.ok(new Informer({ log: el(readScopeOf('kubelet')), plural: 'pods' }));
    assert.ok(new Informer({ log: el(readScopeOf('controller-manager')), plural: 'secrets' }));
    assert.ok(new Informer({ log: el(undefined), plural: 'secrets' }));
    assert.doesNotThrow(() => assertReads(undefined, 'anything'));
    assert.equal(readScopeOf('gateway'), undefined);
  });
});

/**
 * The informers each scoped component's code makes (`informer<T>('x')`, `informer('x')`, and
 * `new Informer({ plural: 'x' })` in its directory) are all in its row: a new informer without a
 * table change fails here, before it fails at start (ReadScopeError) or on the server.
 */
describe('read scopes: the informers in each component\'s source', () => {
  const root = new URL('../../../services/', import.meta.url);
  const filesOf = async (dir: URL): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isDirectory()) out.push(...(await filesOf(new URL(`${e.name}/`, dir))));
      else if (e.name.endsWith('.ts')) out.push(await readFile(new URL(e.name, dir), 'utf8'));
    }
    return out;
  };
  const used = (text: string) => [
    ...[...text.matchAll(/\binformer(?:<[^>()]*>)?\(\s*'([a-z0-9_]+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/new Informer(?:<[^>()]*>)?\(\{[^}]*?plural:\s*'([a-z0-9_]+)'/gs)].map((m) => m[1]!),
  ];
  for (const component of READER_COMPONENTS) {
    const reads = STREAM_READERS[component];
    if (reads === 'all') continue;
    it(`${component}: every informer it makes is in its row`, async () => {
      const found = new Set((await filesOf(new URL(`${component}/`, root))).flatMap(used));
      assert.ok(found.size > 0, `no informer found in services/${component}`);
      for (const plural of found) assert.ok((reads as readonly string[]).includes(plural), `services/${component} makes an informer on ${plural}, not in its row`);
    });
  }
});

describe('natsServerConfig', () => {
  const text = natsServerConfig({
    prefix: P,
    listen: '127.0.0.1:-1',
    storeDir: '/data/js "x"',
    users: [
      { role: 'gateway', user: natsUserName('gateway'), password: 'pa"ss' },
      { role: 'kubelet', user: natsUserName('kubelet'), password: 'r' },
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
      { role: 'kubelet', user: natsUserName('kubelet'), password: 'r' },
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
