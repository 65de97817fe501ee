/**
 * The protobuf messages generated from Kubernetes' Go types (scripts/gen-protobuf.mjs →
 * services/gateway/protobuf/k8s-messages.json): they agree with the table that was written by hand
 * before them, they are complete, and a kind they hold decodes once it has its TOP_LEVEL line.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  buildRoot,
  decodeProtobufBody,
  ENVELOPE,
  LISTS,
  MAGIC,
  MESSAGES,
  TOP_LEVEL,
  WRAPPERS,
} from '../../services/gateway/protobuf/index.js';
import { isScalar, shape } from '../../services/gateway/protobuf/root.js';
import { JsonConverter, UnsupportedField } from '../../services/gateway/protobuf/to-json.js';
import { isApiError, type ApiError } from '../../shared/errors.js';

const fixtures = new URL('../../../test/fixtures/protobuf/', import.meta.url);
const generated = JSON.parse(await readFile(new URL('../../../services/gateway/protobuf/k8s-messages.json', import.meta.url), 'utf8')) as {
  kinds: Record<string, string[]>;
  wrappers: string[];
  lists: string[];
};

const root = buildRoot(MESSAGES, WRAPPERS, ENVELOPE);

function encode(type: string, obj: object): Uint8Array {
  const T = root.lookupType(`jk.${type}`);
  const err = T.verify(obj);
  if (err) throw new Error(`test body for ${type}: ${err}`);
  return T.encode(T.fromObject(obj)).finish();
}

function envelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, encode('Unknown', { typeMeta: { apiVersion, kind }, raw })]);
}

describe('generated protobuf messages', () => {
  it('give every row of the hand-written table (field number, type, mode), but for the corrections the Go types made', async () => {
    // The table as written by hand up to 87fe909, its 'unsupported' marks left out: those only said
    // that a message was not typed in yet, and every message is now.
    const hand = JSON.parse(await readFile(new URL('hand-messages.json', fixtures), 'utf8')).messages as Record<string, Record<string, unknown[]>>;
    // Where the hand table was wrong, the Go type wins (no JSON difference: a struct is always written).
    const corrections: Record<string, string> = {
      'ReplicaSetSpec.template': 'the Go field has omitempty: [3,"PodTemplateSpec","req"] -> [3,"PodTemplateSpec","omit"]',
    };
    const disagreements: string[] = [];
    for (const [msg, rows] of Object.entries(hand)) {
      assert.ok(MESSAGES[msg], `generated data has no message ${msg}`);
      for (const [field, row] of Object.entries(rows)) {
        const got = MESSAGES[msg]![field];
        if (JSON.stringify(got) !== JSON.stringify(row)) disagreements.push(`${msg}.${field}`);
      }
    }
    assert.deepEqual(disagreements, Object.keys(corrections));
    assert.ok(Object.keys(hand).length >= 70, 'the fixture holds the whole hand table');
  });

  it('are complete: every type a row names is a scalar, a generated message or a wrapper this gateway converts', () => {
    for (const w of generated.wrappers) assert.ok(WRAPPERS[w], `k8s-messages.json uses wrapper ${w}, which schema.ts does not define`);
    for (const [msg, rows] of Object.entries(MESSAGES)) {
      for (const [field, [id, type, mode]] of Object.entries(rows)) {
        const { elem } = shape(type);
        assert.ok(isScalar(elem) || MESSAGES[elem] || WRAPPERS[elem], `${msg}.${field}: unknown type ${type}`);
        assert.ok(Number.isInteger(id) && id > 0, `${msg}.${field}: field number ${id}`);
        assert.ok(['ptr', 'omit', 'req', 'inline'].includes(mode), `${msg}.${field}: mode ${mode}`);
        if (mode === 'inline') assert.ok(MESSAGES[elem], `${msg}.${field}: inlines ${type}, not a message`);
      }
    }
    for (const list of LISTS) assert.deepEqual(MESSAGES[list], { items: [1, '[]string', 'omit'] });
    // Every generated kind, and so every TOP_LEVEL kind, has its message.
    for (const kinds of Object.values(generated.kinds)) for (const kind of kinds) assert.ok(MESSAGES[kind], kind);
    for (const kind of Object.keys(TOP_LEVEL)) assert.ok(MESSAGES[kind], `TOP_LEVEL ${kind} has no generated message`);
  });

  it('hold the kinds that are coming', () => {
    for (const kind of ['Job', 'CronJob', 'DaemonSet', 'StatefulSet', 'ControllerRevision', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding',
      'SelfSubjectAccessReview', 'SubjectAccessReview', 'SelfSubjectRulesReview', 'TokenRequest', 'SelfSubjectReview', 'PersistentVolume', 'PersistentVolumeClaim',
      'Ingress', 'IngressClass', 'StorageClass', 'HorizontalPodAutoscaler']) {
      assert.ok(MESSAGES[kind], kind);
    }
  });
});

describe('a batch/v1 Job body decoded with the generated messages', () => {
  const job = {
    metadata: { name: 'pi', namespace: 'default', labels: { app: 'pi' } },
    spec: {
      parallelism: 2,
      completions: 4,
      backoffLimit: 0, // a pointer: kept when zero
      completionMode: 'Indexed',
      suspend: false,
      ttlSecondsAfterFinished: 100,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42, 43] } }] },
      template: {
        metadata: { labels: { app: 'pi' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }],
        },
      },
    },
    status: { active: 1, startTime: { seconds: 1700000000 }, ready: 0, uncountedTerminatedPods: { succeeded: ['u1'] } },
  };
  const json = {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: { name: 'pi', namespace: 'default', labels: { app: 'pi' }, creationTimestamp: null },
    spec: {
      parallelism: 2,
      completions: 4,
      backoffLimit: 0,
      completionMode: 'Indexed',
      suspend: false,
      ttlSecondsAfterFinished: 100,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42, 43] } }] },
      template: {
        metadata: { labels: { app: 'pi' }, creationTimestamp: null },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'], resources: {} }],
        },
      },
    },
    status: { active: 1, startTime: '2023-11-14T22:13:20Z', ready: 0, uncountedTerminatedPods: { succeeded: ['u1'] } },
  };
  const expected = { apiVersion: 'batch/v1', kind: 'Job' };
  const pb = envelope('batch/v1', 'Job', encode('Job', job));

  it('decodes to the JSON kubectl writes: Job is served (its TOP_LEVEL line)', () => {
    assert.deepEqual(TOP_LEVEL.Job, ['batch/v1']);
    assert.deepEqual(decodeProtobufBody(pb, expected), json);
  });

  it('answers 415 for a kind without a TOP_LEVEL line', () => {
    const table = TOP_LEVEL as Record<string, readonly string[]>;
    const saved = table.Job!;
    delete table.Job;
    try {
      assert.throws(() => decodeProtobufBody(pb, expected), (e: unknown) => isApiError(e) && (e as ApiError).reason === 'UnsupportedMediaType' && /protobuf is not supported for Job/.test((e as ApiError).message));
    } finally {
      table.Job = saved;
    }
  });
});

describe('generated protobuf messages: the JSON of list messages and RawExtension', () => {
  const json = new JsonConverter(MESSAGES, WRAPPERS, LISTS);
  const decode = (type: string, obj: object) => json.message(type, root.lookupType(`jk.${type}`).decode(encode(type, obj)) as never, '');

  it('a map of ExtraValue (a Go map[string][]string) is a map of string lists; an empty one is null', () => {
    assert.deepEqual(decode('SubjectAccessReviewSpec', { user: 'u', groups: ['g'], extra: { scopes: { items: ['a', 'b'] }, none: {} } }), {
      user: 'u',
      groups: ['g'],
      extra: { scopes: ['a', 'b'], none: null },
    });
  });

  it('RawExtension is the JSON it holds (unset: null); an embedded protobuf object is unsupported', () => {
    assert.deepEqual(decode('ControllerRevision', { metadata: { name: 'r' }, data: { raw: Buffer.from('{"spec":{"a":1}}') }, revision: 3 }), {
      metadata: { name: 'r', creationTimestamp: null },
      data: { spec: { a: 1 } },
      revision: 3,
    });
    assert.deepEqual(decode('ControllerRevision', { revision: 1 }), { metadata: { creationTimestamp: null }, data: null, revision: 1 });
    assert.throws(() => decode('ControllerRevision', { data: { raw: Buffer.concat([MAGIC, Buffer.from([0x0a, 0x00])]) } }), UnsupportedField);
  });
});
