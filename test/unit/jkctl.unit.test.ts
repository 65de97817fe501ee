import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../shared/errors.js';
import type { Deployment, Event, Pod, ReplicaSet } from '../../shared/resources/types.js';
import { findKind, parseSingle, parseTargets, qualifiedKind, quotedName, slashName } from '../../services/jkctl/kinds.js';
import { orderForApply, orderForDelete, parseManifests } from '../../services/jkctl/manifests.js';
import { applyPatch, canonicalJson, LAST_APPLIED_ANNOTATION, lastApplied, namespaceOf, withLastApplied } from '../../services/jkctl/apply.js';
import { deploymentRolloutStatus, historyTable } from '../../services/jkctl/rollout.js';
import { progressBar, replaySummary, replayTarget } from '../../services/jkctl/replay.js';
import { TabWriter, getTabWriter } from '../../services/jkctl/tabwriter.js';
import { buildTable, tableText } from '../../services/jkctl/print-table.js';
import { formatObjects, noResourcesMessage } from '../../services/jkctl/get.js';
import { eventsTable, forSelector } from '../../services/jkctl/events.js';
import { deleteOptions, propagationPolicy } from '../../services/jkctl/delete.js';
import { logQuery } from '../../services/jkctl/logs.js';
import { parseBool, parseDuration } from '../../services/jkctl/flags.js';
import { errorLine, exitCodeOf, CliError, UsageError } from '../../services/jkctl/errors.js';
import { describeText, eventSelector } from '../../services/jkctl/describe.js';
import { rfc1123z } from '../../services/jkctl/describe-writer.js';

const NOW = new Date('2026-12-03T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('kind words', () => {
  const cases: [string, string][] = [
    ['po', 'pods'], ['pod', 'pods'], ['pods', 'pods'], ['Pod', 'pods'],
    ['deploy', 'deployments'], ['deployment', 'deployments'], ['deployments', 'deployments'],
    ['deployment.apps', 'deployments'], ['deployments.apps', 'deployments'], ['deployments.v1.apps', 'deployments'], ['deploy.apps', 'deployments'],
    ['rs', 'replicasets'], ['svc', 'services'], ['service', 'services'], ['no', 'nodes'], ['node', 'nodes'], ['ns', 'namespaces'],
    ['ep', 'endpoints'], ['cm', 'configmaps'], ['configmap', 'configmaps'], ['ev', 'events'], ['event', 'events'],
    ['secret', 'secrets'], ['lease', 'leases'], ['leases.coordination.k8s.io', 'leases'],
  ];
  for (const [word, plural] of cases) it(`${word} → ${plural}`, () => assert.equal(findKind(word)?.plural, plural));
  it('unknown words and wrong groups match nothing', () => {
    assert.equal(findKind('widgets'), undefined);
    assert.equal(findKind('pods.apps'), undefined);
    assert.equal(findKind('deployments.batch'), undefined);
  });
  it('prints kinds the way kubectl does', () => {
    assert.equal(qualifiedKind(findKind('deploy')!), 'deployment.apps');
    assert.equal(slashName(findKind('svc')!, 'web'), 'service/web');
    assert.equal(quotedName(findKind('po')!, 'x'), 'pod "x"');
    assert.equal(slashName(findKind('lease')!, 'n1'), 'lease.coordination.k8s.io/n1');
  });
});

describe('targets', () => {
  const flat = (args: string[]) => parseTargets(args).map((t) => [t.info.plural, ...t.names]);
  it('KIND NAME..., KIND/NAME..., KIND,KIND', () => {
    assert.deepEqual(flat(['pods']), [['pods']]);
    assert.deepEqual(flat(['po', 'a', 'b']), [['pods', 'a', 'b']]);
    assert.deepEqual(flat(['deploy/web', 'svc/web', 'deploy/api']), [['deployments', 'web', 'api'], ['services', 'web']]);
    assert.deepEqual(flat(['deploy,svc']), [['deployments'], ['services']]);
  });
  it('refuses a kind before KIND/NAME, a missing kind, an unknown kind', () => {
    assert.throws(() => parseTargets(['pods', 'pod/x']), UsageError);
    assert.throws(() => parseTargets([]), UsageError);
    assert.throws(() => parseTargets(['deploy/']), UsageError);
    assert.throws(() => parseTargets(['widgets']), (e: Error) => e instanceof CliError && /doesn't have a resource type "widgets"/.test(e.message));
  });
  it('single objects for scale, rollout and logs', () => {
    assert.deepEqual(Object.values(parseSingle(['deploy/web'], 'scale')).map((v) => (typeof v === 'string' ? v : v.plural)), ['deployments', 'web']);
    assert.equal(parseSingle(['deployment', 'web'], 'scale').name, 'web');
    assert.throws(() => parseSingle(['deploy', 'a', 'b'], 'scale'), UsageError);
  });
});

describe('manifests', () => {
  const text = [
    '# a comment-only document is skipped',
    '---',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}',
    '---',
    'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {name: web}}',
    '---',
    '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}',
    '---',
  ].join('\n');
  const kinds = (ms: { object: { kind: string } }[]) => ms.map((m) => m.object.kind);
  it('splits multi-document YAML and JSON, flattens Lists, keeps the source', () => {
    const ms = parseManifests(text, 'all.yaml');
    assert.deepEqual(kinds(ms), ['Deployment', 'ConfigMap', 'Service', 'Namespace']);
    assert.ok(ms.every((m) => m.source === 'all.yaml'));
    assert.deepEqual(kinds(parseManifests('{"apiVersion":"v1","kind":"ConfigMapList","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}]}', '-')), ['ConfigMap']);
  });
  it('orders a Namespace first and dependencies before workloads, stable otherwise; delete reverses', () => {
    const ms = parseManifests(text, 'all.yaml');
    assert.deepEqual(kinds(orderForApply(ms)), ['Namespace', 'ConfigMap', 'Service', 'Deployment']);
    assert.deepEqual(kinds(orderForDelete(ms)), ['Deployment', 'Service', 'ConfigMap', 'Namespace']);
    const two = parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}', 'f');
    assert.deepEqual(orderForApply(two).map((m) => m.object.metadata.name), ['b', 'a']);
  });
  it('rejects bad YAML and objects without kind, apiVersion or metadata', () => {
    assert.throws(() => parseManifests('a: [', 'bad.yaml'), /error parsing bad.yaml/);
    assert.throws(() => parseManifests('apiVersion: v1\nmetadata: {name: x}', 'f'), /kind not set/);
    assert.throws(() => parseManifests('kind: Pod\nmetadata: {name: x}', 'f'), /apiVersion not set/);
    assert.throws(() => parseManifests('- 1\n- 2', 'f'), /must be an object/);
  });
});

describe('apply: last-applied configuration and the three-way strategic merge patch', () => {
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { x: '1' } };
  it('records the manifest (keys sorted) in the annotation', () => {
    const m = withLastApplied(manifest);
    assert.equal(m.metadata.annotations![LAST_APPLIED_ANNOTATION], `${canonicalJson(manifest)}\n`);
    assert.equal(canonicalJson({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
    assert.deepEqual(lastApplied(m), JSON.parse(canonicalJson(manifest)));
    assert.equal(lastApplied({ ...manifest, metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: 'not json' } } }), undefined);
  });
  it('an old annotation in the manifest itself is replaced, not nested', () => {
    const m = withLastApplied(withLastApplied(manifest));
    assert.equal(m.metadata.annotations![LAST_APPLIED_ANNOTATION], `${canonicalJson(manifest)}\n`);
  });
  // kubectl sends only what differs from the live object (the old merge patch repeated the whole
  // manifest), and merges lists that have a patch merge key instead of replacing them.
  const configMaps = findKind('configmaps')!;
  const services = findKind('services')!;
  const withApplied = <T extends { metadata: object }>(o: T, applied: object): T =>
    ({ ...o, metadata: { ...o.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(applied) } } });
  it('nulls what the last apply set and this one drops; keeps what others set; sends only changes', () => {
    const original = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } };
    const modified = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1' } }, data: { x: '2' } };
    const live = { ...original, metadata: { ...original.metadata, labels: { a: '1', b: '2', other: 'o' } }, data: { x: '1', y: '2', z: '3' } };
    assert.deepEqual(applyPatch(configMaps, modified, withApplied(live, original)), { metadata: { labels: { b: null } }, data: { x: '2', y: null } });
    assert.deepEqual(applyPatch(configMaps, modified, live), { data: { x: '2' } }, 'first apply onto an object made elsewhere: no deletions');
    const sent = withLastApplied(modified);
    assert.deepEqual(applyPatch(configMaps, sent, { ...sent, metadata: { ...sent.metadata, uid: 'u', resourceVersion: '7' } }), {}, 'the same manifest again: nothing to send');
  });
  it('lists with a merge key merge: a removed Service port is deleted, server-set node ports stay', () => {
    const svc = (ports: object[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports } });
    const live = withApplied(svc([{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 81, nodePort: 30081, protocol: 'TCP' }]), svc([{ port: 80 }, { port: 81 }]));
    assert.deepEqual(applyPatch(services, svc([{ port: 80 }]), live), {
      spec: { '$setElementOrder/ports': [{ port: 80 }], ports: [{ port: 81, $patch: 'delete' }] },
    });
  });
  it('the namespace: the manifest’s, else -n, else default; -n and another one clash', () => {
    const pods = findKind('pods')!;
    const nodes = findKind('nodes')!;
    const obj = (namespace?: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(namespace ? { namespace } : {}) } });
    assert.equal(namespaceOf({ namespace: 'default', explicitNamespace: false }, pods, obj('shop')), 'shop');
    assert.equal(namespaceOf({ namespace: 'dev', explicitNamespace: true }, pods, obj()), 'dev');
    assert.equal(namespaceOf({ namespace: 'default', explicitNamespace: false }, nodes, obj('x')), undefined);
    assert.throws(() => namespaceOf({ namespace: 'dev', explicitNamespace: true }, pods, obj('shop')), /does not match the namespace "dev"/);
  });
});

function deployment(status: Deployment['status'], spec: Partial<Deployment['spec']> = {}, generation = 2): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', generation, annotations: { 'deployment.kubernetes.io/revision': '2' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'web' }] } }, ...spec },
    ...(status ? { status } : {}),
  };
}

describe('rollout status messages (kubectl DeploymentStatusViewer)', () => {
  const msg = (d: Deployment, rev = 0) => deploymentRolloutStatus(d, rev).message;
  it('waits for the controller to observe the new generation', () => {
    assert.equal(msg(deployment({ observedGeneration: 1, updatedReplicas: 3, replicas: 3, availableReplicas: 3 })), 'Waiting for deployment spec update to be observed...');
  });
  it('counts updated, old and available replicas', () => {
    assert.equal(msg(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 4 })), 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    assert.equal(msg(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 4, availableReplicas: 3 })), 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
    assert.equal(msg(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 1 })), 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...');
  });
  it('done when everything is updated and available', () => {
    const s = deploymentRolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 3 }));
    assert.deepEqual(s, { done: true, message: 'deployment "web" successfully rolled out' });
    assert.equal(deploymentRolloutStatus(deployment({ observedGeneration: 2 }, { replicas: 0 })).done, true);
  });
  it('fails past the progress deadline, and on the wrong revision', () => {
    const stuck = deployment({ observedGeneration: 2, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] });
    assert.throws(() => deploymentRolloutStatus(stuck), /deployment "web" exceeded its progress deadline/);
    assert.throws(() => deploymentRolloutStatus(deployment({ observedGeneration: 2 }), 3), /desired revision \(3\) is different from the running revision \(2\)/);
  });
});

describe('rollout history', () => {
  const rs = (name: string, revision: string | undefined, cause?: string): ReplicaSet => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, annotations: { ...(revision ? { 'deployment.kubernetes.io/revision': revision } : {}), ...(cause ? { 'kubernetes.io/change-cause': cause } : {}) } },
    spec: { selector: {}, template: { spec: { containers: [] } } },
  });
  it('REVISION CHANGE-CAUSE, oldest first, two spaces apart', () => {
    const text = historyTable([rs('c', '10'), rs('a', '2', 'kubectl set image web=nginx:1.28'), rs('b', '9'), rs('x', undefined)]);
    assert.equal(text, 'REVISION  CHANGE-CAUSE\n2         kubectl set image web=nginx:1.28\n9         <none>\n10        <none>\n');
  });
});

describe('replay progress', () => {
  it('draws a bar with the percentage and the rate', () => {
    assert.equal(progressBar({ done: 52, total: 100, eventsPerSec: 12345.4 }), '[#####.....] 52% 12,345 ev/s');
    assert.equal(progressBar({ done: 0, total: 100, eventsPerSec: 0 }), '[..........] 0% 0 ev/s');
    assert.equal(progressBar({ done: 7, total: 7, eventsPerSec: 3 }, 4), '[####] 100% 3 ev/s');
    assert.equal(progressBar({ done: 0, total: 0, eventsPerSec: 0 }), '[##########] 100% 0 ev/s');
  });
  it('summary and flags', () => {
    assert.equal(replaySummary({ schema: 'jk', lastSeq: 42, events: 1234, seconds: 1.5 } as never), 'replayed 1,234 events up to sequence 42 in 1.50 s into schema "jk"');
    assert.deepEqual(replayTarget({ toSeq: '5' }), { toSeq: 5 });
    assert.equal(replayTarget({ toTime: '2026-01-01T00:00:00Z' }).toTime?.toISOString(), '2026-01-01T00:00:00.000Z');
    assert.throws(() => replayTarget({ toSeq: '0' }), UsageError);
    assert.throws(() => replayTarget({ toSeq: '1', toTime: '2026-01-01T00:00:00Z' }), UsageError);
  });
});

describe('tabwriter (Go text/tabwriter as kubectl configures it)', () => {
  it('pads every column but the last by three spaces, min width 6', () => {
    assert.equal(getTabWriter().format('NAME\tREADY\tAGE\nweb-1\t1/1\t5s\n'), 'NAME    READY   AGE\nweb-1   1/1     5s\n');
    assert.equal(getTabWriter().format('A\tB\nc\td\n'), 'A     B\nc     d\n');
  });
  it('aligns per block: a line without a cell in a column ends that column', () => {
    const tw = new TabWriter({ padding: 2 });
    assert.equal(tw.format('Name:\tx\nLongerName:\ty\nIPs:\n  IP:\t1.2.3.4\nControlled By:\tRS/x\n'), 'Name:        x\nLongerName:  y\nIPs:\n  IP:           1.2.3.4\nControlled By:  RS/x\n');
  });
  it('remembers widths across writes (get -w rows stay under the header)', () => {
    const tw = getTabWriter();
    tw.format('NAME\tSTATUS\tAGE\nlong-pod-name\tRunning\t1s\n');
    assert.equal(tw.format('p\tPending\t0s\n'), `p${' '.repeat(15)}Pending   0s\n`);
  });
});

describe('get tables', () => {
  const pod = (name: string, namespace: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, creationTimestamp: ago(10), labels: { app: 'web' } },
    spec: { containers: [{ name: 'c' }], nodeName: 'n1' },
    status: { phase: 'Running', podIP: '127.64.0.2', containerStatuses: [{ name: 'c', image: '', ready: true, restartCount: 0, state: { running: {} } }] },
  });
  const pods = findKind('pods')!;
  const render = (opts: Parameters<typeof buildTable>[2]) => getTabWriter().format(tableText(buildTable(pods, [pod('web-1', 'default'), pod('web-22', 'shop')], opts, NOW)));
  it('default columns', () => {
    assert.equal(render({}), 'NAME     READY   STATUS    RESTARTS   AGE\nweb-1    1/1     Running   0          10s\nweb-22   1/1     Running   0          10s\n');
  });
  it('-A adds NAMESPACE, -o wide the wide columns, --show-labels LABELS', () => {
    const lines = render({ withNamespace: true, wide: true, showLabels: true }).split('\n');
    assert.match(lines[0]!, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES\s+LABELS$/);
    assert.match(lines[2]!, /^shop\s+web-22\s+1\/1\s+Running\s+0\s+10s\s+127\.64\.0\.2\s+n1\s+<none>\s+<none>\s+app=web$/);
  });
  it('several kinds: names as kind/name; the NAMESPACE column only for namespaced kinds', () => {
    assert.match(render({ withKind: true }), /^pod\/web-1\s/m);
    const t = buildTable(findKind('nodes')!, [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }], { withNamespace: true }, NOW);
    assert.equal(t.header[0], 'NAME');
  });
  it('-o yaml / json: one object, or a List', () => {
    const p = pod('a', 'default');
    assert.equal(JSON.parse(formatObjects([p], 'json', true)).kind, 'Pod');
    assert.equal(JSON.parse(formatObjects([p], 'json', false)).kind, 'List');
    assert.match(formatObjects([p], 'yaml', true), /^apiVersion: v1\nkind: Pod\n/);
    assert.match(formatObjects([p], 'yaml', true), /\n {2}containers:\n {2}- name: c\n/, 'sequences are not indented, like kubectl');
  });
  it('the empty-result message', () => {
    assert.equal(noResourcesMessage({ namespace: 'shop' }, [{ info: pods, names: [] }], false), 'No resources found in shop namespace.');
    assert.equal(noResourcesMessage({ namespace: 'shop' }, [{ info: pods, names: [] }], true), 'No resources found');
    assert.equal(noResourcesMessage({ namespace: 'shop' }, [{ info: findKind('nodes')!, names: [] }], false), 'No resources found');
  });
});

describe('events table', () => {
  const ev = (reason: string, last: number, extra: Partial<Event> = {}): Event => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: reason, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1' },
    type: 'Normal',
    reason,
    message: `${reason} happened`,
    firstTimestamp: ago(last),
    lastTimestamp: ago(last),
    ...extra,
  });
  it('sorted oldest first, kubectl events columns, repeated events as (xN over T)', () => {
    const text = eventsTable([ev('Started', 5), ev('Scheduled', 65), ev('BackOff', 2, { count: 4, firstTimestamp: ago(300), type: 'Warning' })], NOW, false);
    assert.equal(
      text,
      [
        'LAST SEEN         TYPE      REASON      OBJECT      MESSAGE',
        '65s               Normal    Scheduled   Pod/web-1   Scheduled happened',
        '5s                Normal    Started     Pod/web-1   Started happened',
        '2s (x4 over 5m)   Warning   BackOff     Pod/web-1   BackOff happened',
        '',
      ].join('\n'),
    );
    assert.match(eventsTable([ev('A', 1)], NOW, true), /^NAMESPACE\s+LAST SEEN/);
  });
  it('--for KIND/NAME selects by involvedObject', () => {
    assert.equal(forSelector('deploy/web'), 'involvedObject.kind=Deployment,involvedObject.name=web');
    assert.equal(forSelector(undefined), undefined);
    assert.throws(() => forSelector('web'), UsageError);
  });
});

describe('flags, delete options, log queries, errors', () => {
  it('Go durations and booleans', () => {
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('30'), 30_000);
    assert.equal(parseDuration('0s'), 0);
    assert.throws(() => parseDuration('5 minutes'), UsageError);
    assert.equal(parseBool('false', 'wait'), false);
    assert.equal(parseBool(true, 'wait'), true);
    assert.throws(() => parseBool('maybe', 'wait'), UsageError);
  });
  it('--cascade and --grace-period', () => {
    assert.equal(propagationPolicy('foreground'), 'Foreground');
    assert.equal(propagationPolicy('false'), 'Orphan');
    assert.equal(propagationPolicy('true'), 'Background');
    assert.throws(() => propagationPolicy('sideways'), UsageError);
    assert.deepEqual(deleteOptions({ cascade: 'orphan', gracePeriod: -1 }), { propagationPolicy: 'Orphan' });
    assert.deepEqual(deleteOptions({ cascade: 'background', gracePeriod: 0 }), { propagationPolicy: 'Background', gracePeriodSeconds: 0 });
    assert.deepEqual(deleteOptions({ cascade: 'background', gracePeriod: 30, now: true }), { propagationPolicy: 'Background', gracePeriodSeconds: 1 });
  });
  it('log query', () => {
    assert.equal(logQuery({ tail: -1 }), '');
    assert.equal(logQuery({ container: 'c', follow: true, previous: true, timestamps: true, tail: 5 }), '?container=c&follow=true&previous=true&timestamps=true&tailLines=5');
  });
  it('errors print like kubectl and exit 1; usage errors exit 2', () => {
    assert.equal(errorLine(new ApiError('NotFound', 'pods "x" not found'), 'http://127.0.0.1:8080'), 'Error from server (NotFound): pods "x" not found');
    const refused = new ApiError('ServiceUnavailable', 'GET /api/v1/pods: gateway unreachable: connect ECONNREFUSED', undefined, { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    assert.equal(errorLine(refused, 'http://127.0.0.1:8080'), 'The connection to the server 127.0.0.1:8080 was refused - did you specify the right host or port?');
    assert.equal(errorLine(new CliError('boom'), ''), 'error: boom');
    assert.equal(exitCodeOf(new UsageError('x')), 2);
    assert.equal(exitCodeOf(new CliError('x')), 1);
  });
});

describe('describe', () => {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', labels: { app: 'web', 'pod-template-hash': 'abc' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'r', controller: true }] },
    spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: 'b' }], readinessProbe: { httpGet: { path: '/', port: 80 } } }] },
    status: {
      phase: 'Running',
      hostIP: '127.0.0.1',
      podIP: '127.64.0.2',
      startTime: '2026-12-03T11:59:00Z',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'web', image: 'nginx', ready: true, restartCount: 1, containerID: 'fake://1', state: { running: { startedAt: '2026-12-03T11:59:00Z' } }, lastState: { terminated: { exitCode: 137, reason: 'Error' } } }],
    },
  };
  const ev: Event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'web-1' }, type: 'Normal', reason: 'Scheduled', message: 'assigned', firstTimestamp: ago(30), source: { component: 'default-scheduler' } };
  it("a pod in kubectl's layout, with its events", () => {
    const text = describeText(findKind('pods')!, pod, { events: [ev] }, NOW);
    for (const line of [
      'Name:         web-1',
      'Node:         n1/127.0.0.1',
      'Start Time:   Thu, 03 Dec 2026 11:59:00 +0000',
      'Labels:       app=web',
      '              pod-template-hash=abc',
      'Status:       Running',
      'Controlled By:  ReplicaSet/web-abc',
      '    Port:           80/TCP',
      '    State:          Running',
      '    Last State:     Terminated',
      '      Exit Code:    137',
      '    Restart Count:  1',
      '    Readiness:      http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3',
      '      A:     b',
      '  Ready          True ',
      '  Type    Reason     Age   From               Message',
      '  Normal  Scheduled  30s   default-scheduler  assigned',
    ]) {
      assert.ok(text.split('\n').includes(line), `${JSON.stringify(line)} in\n${text}`);
    }
  });
  it('no events: Events: <none>; the event selector names the object', () => {
    assert.match(describeText(findKind('cm')!, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { k: 'v' } }, { events: [] }, NOW), /\nk:\n----\nv\n[\s\S]*Events:  <none>\n$/);
    assert.equal(eventSelector(pod), 'involvedObject.name=web-1,involvedObject.kind=Pod,involvedObject.namespace=default,involvedObject.uid=u1');
    assert.equal(rfc1123z(undefined), '<unset>');
  });
});
