/**
 * A kind is one file: the generic code (printers, projection rows and columns, field selectors and
 * their SQL) finds what is particular to a kind through its strategy, and kinds registered at run
 * time get the generic answers and the shared custom_objects table.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, allResources, resolveResource, resourceByGroupKind, resourceByKey, resourceByKind, resourceByPlural, resourceBySubjectToken, resourceOf, type ResourceInfo } from '../../shared/resources/registry.js';
import { GENERIC_STRATEGY, registerKind, strategyFor, unregisterKind } from '../../shared/resources/strategy.js';
import { parseFieldSelector, selectableFields, fieldValue } from '../../shared/resources/field-selectors.js';
import { defaultPrinter, printerFor } from '../../shared/printers/index.js';
import { applySql, columnsOf, isObjectTable, keyOf, planBatch, scopeOf, toRow, CUSTOM_OBJECTS, OBJECT_TABLES } from '../../shared/db/index.js';
import { fieldColumn, fieldCondition } from '../../shared/db/selectors-sql.js';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { KObject } from '../../shared/resources/meta.js';
import { info } from './resource-fixtures.js';

const COMMON = ['namespace', 'name', 'uid', 'resource_version', 'labels', 'annotations', 'owner_kind', 'owner_name', 'owner_uid', 'creation_timestamp', 'deletion_timestamp'];

describe('built-in kinds: everything particular is in the strategy', () => {
  // kind, table, own projection columns (in table order), selectable fields beyond metadata's, first printed columns
  const cases: [string, string, string[], string[], string[]][] = [
    ['Namespace', 'namespaces', ['phase'], ['status.phase'], ['Name', 'Status', 'Age']],
    ['Node', 'nodes', ['ready', 'unschedulable', 'internal_ip'], ['spec.unschedulable'], ['Name', 'Status', 'Roles', 'Age', 'Version']],
    ['Pod', 'pods', ['phase', 'node_name', 'pod_ip', 'host_ip', 'ready', 'restarts', 'images'],
      ['spec.nodeName', 'spec.schedulerName', 'spec.restartPolicy', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
      ['Name', 'Ready', 'Status', 'Restarts', 'Age']],
    ['Service', 'services', ['type', 'cluster_ip'], ['spec.clusterIP', 'spec.type'], ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']],
    ['Endpoints', 'endpoints', ['ready_addresses', 'not_ready_addresses'], [], ['Name', 'Endpoints', 'Age']],
    ['ConfigMap', 'configmaps', ['keys'], [], ['Name', 'Data', 'Age']],
    ['Secret', 'secrets', ['type', 'keys'], ['type'], ['Name', 'Type', 'Data', 'Age']],
    ['ServiceAccount', 'serviceaccounts', ['secrets'], [], ['Name', 'Secrets', 'Age']],
    ['Event', 'kube_events', ['reason', 'type', 'message', 'involved_kind', 'involved_namespace', 'involved_name', 'involved_uid', 'count', 'last_timestamp'],
      ['type', 'reason', 'source', 'reportingComponent', 'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid',
        'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath'],
      ['Last Seen', 'Type', 'Reason', 'Object']],
    ['ReplicaSet', 'replicasets', ['generation', 'observed_generation', 'replicas', 'status_replicas', 'ready_replicas', 'available_replicas', 'images'],
      ['status.replicas'], ['Name', 'Desired', 'Current', 'Ready', 'Age']],
    ['Deployment', 'deployments', ['generation', 'observed_generation', 'replicas', 'status_replicas', 'ready_replicas', 'available_replicas', 'images', 'updated_replicas'],
      [], ['Name', 'Ready', 'Up-to-date', 'Available', 'Age']],
    ['Lease', 'leases', ['holder', 'renew_time', 'lease_duration_seconds'], [], ['Name', 'Holder', 'Age']],
    ['CustomResourceDefinition', 'customresourcedefinitions', ['api_group', 'plural', 'kind', 'scope', 'established'], [], ['Name', 'Created At']],
    ['PodDisruptionBudget', 'poddisruptionbudgets', ['min_available', 'max_unavailable', 'current_healthy', 'desired_healthy', 'disruptions_allowed', 'expected_pods', 'observed_generation'], [], ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']],
    ['DaemonSet', 'daemonsets', ['generation', 'observed_generation', 'desired', 'current', 'ready', 'updated', 'available', 'misscheduled', 'node_selector', 'images'],
      [], ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age']],
    ['ControllerRevision', 'controllerrevisions', ['revision'], [], ['Name', 'Controller', 'Revision', 'Age']],
    ['Job', 'jobs', ['generation', 'completions', 'parallelism', 'suspend', 'succeeded', 'failed', 'active', 'ready', 'status', 'start_time', 'completion_time', 'images'],
      ['status.successful'], ['Name', 'Status', 'Completions', 'Duration', 'Age']],
    ['CronJob', 'cronjobs', ['generation', 'schedule', 'time_zone', 'suspend', 'active', 'last_schedule_time', 'last_successful_time', 'images'],
      [], ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age']],
    ['Ingress', 'ingresses', ['ingress_class', 'hosts'], [], ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']],
    ['IngressClass', 'ingressclasses', ['controller'], [], ['Name', 'Controller', 'Parameters', 'Age']],
    ['StatefulSet', 'statefulsets', ['replicas', 'ready_replicas', 'current_replicas', 'updated_replicas', 'available_replicas', 'current_revision', 'update_revision', 'service_name', 'pod_management_policy', 'observed_generation', 'images'], [], ['Name', 'Ready', 'Age']],
    ['Role', 'roles', [], [], ['Name', 'Created At']],
    ['ClusterRole', 'clusterroles', [], [], ['Name', 'Created At']],
    ['RoleBinding', 'rolebindings', ['role_kind', 'role_name'], [], ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']],
    ['ClusterRoleBinding', 'clusterrolebindings', ['role_kind', 'role_name'], [], ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']],
    ['PersistentVolume', 'persistentvolumes', ['phase', 'capacity', 'storage_class', 'reclaim_policy', 'claim_ref', 'claim_uid', 'access_modes'], [], ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode']],
    ['PersistentVolumeClaim', 'persistentvolumeclaims', ['phase', 'volume_name', 'storage_class', 'requested', 'capacity', 'selected_node'], [], ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode']],
    ['StorageClass', 'storageclasses', ['provisioner', 'reclaim_policy', 'volume_binding_mode', 'is_default'], [], ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age']],
    ['HorizontalPodAutoscaler', 'horizontalpodautoscalers', ['target_kind', 'target_name', 'min_replicas', 'max_replicas', 'current_replicas', 'desired_replicas', 'last_scale_time'], [], ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']],
  ];

  it('covers every built-in kind', () => assert.deepEqual(cases.map((c) => c[0]).sort(), RESOURCES.map((r) => r.kind).sort()));

  for (const [kind, table, columns, fields, printed] of cases) {
    const r = info(kind);
    it(`${kind}: table ${table} with columns ${columns.join(', ')}`, () => {
      assert.equal(r.table, table);
      assert.ok(isObjectTable(table));
      assert.deepEqual(columnsOf(table).map((c) => c.name), [...COMMON, ...columns, 'object']);
      assert.deepEqual(keyOf(table), ['namespace', 'name']);
      assert.deepEqual(scopeOf(r), {});
    });
    it(`${kind}: a row fills every column, even from an empty object`, () => {
      const row = toRow(r, { apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'ns' } } as KObject, 7);
      assert.deepEqual(Object.keys(row).sort(), [...COMMON, ...columns, 'object'].sort());
      assert.equal(row.resource_version, 7);
      assert.equal(row.namespace, r.namespaced ? 'ns' : '');
    });
    it(`${kind}: selectable by ${fields.length ? fields.join(', ') : 'metadata only'}`, () => {
      assert.deepEqual(selectableFields(r), ['metadata.name', 'metadata.namespace', ...fields]);
    });
    it(`${kind}: printed as ${printed.join(' ')} ...`, () => {
      const p = printerFor(kind);
      assert.equal(p, strategyFor(kind).printer);
      assert.deepEqual(p.columns.slice(0, printed.length).map((c) => c.name), printed);
    });
  }

  const columnsOfFields: [string, string, string | undefined][] = [
    ['Pod', 'metadata.name', 'name'],
    ['Pod', 'metadata.namespace', 'namespace'],
    ['Pod', 'spec.nodeName', 'node_name'],
    ['Pod', 'status.phase', 'phase'],
    ['Pod', 'spec.schedulerName', undefined],
    ['Namespace', 'status.phase', 'phase'],
    ['Node', 'spec.unschedulable', undefined],
    ['Event', 'involvedObject.uid', undefined],
    ['ConfigMap', 'metadata.name', 'name'],
  ];
  for (const [kind, field, column] of columnsOfFields) {
    it(`SQL reads ${kind} ${field} from ${column ?? 'the object'}`, () => assert.equal(fieldColumn(info(kind), field), column));
  }

  const compiler = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const sqlOfFields: [string, string, string, unknown[]][] = [
    ['Event source reads source.component', 'Event', 'source', [['source', 'component'], '', 'kubelet']],
    ['Event involvedObject.uid reads its own path', 'Event', 'involvedObject.uid', [['involvedObject', 'uid'], '', 'kubelet']],
  ];
  for (const [name, kind, field, params] of sqlOfFields) {
    it(`SQL: ${name}`, () => {
      const q = fieldCondition(info(kind), { field, operator: '=', value: 'kubelet' }).compile(compiler);
      assert.deepEqual(q.parameters, params);
    });
  }

  const values: [string, KObject, string, string][] = [
    ['absent Pod spec.hostNetwork is Go false', { apiVersion: 'v1', kind: 'Pod', metadata: {} } as KObject, 'spec.hostNetwork', 'false'],
    ['absent ReplicaSet status.replicas is 0', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {} } as KObject, 'status.replicas', '0'],
    ['Event source is source.component', { apiVersion: 'v1', kind: 'Event', metadata: {}, source: { component: 'kubelet' } } as KObject, 'source', 'kubelet'],
    ['other kinds read the path', { apiVersion: 'v1', kind: 'Thing', metadata: {}, source: 'x' } as KObject, 'source', 'x'],
  ];
  for (const [name, obj, field, want] of values) {
    it(`fieldValue: ${name}`, () => assert.equal(fieldValue(obj, field), want));
  }
});

describe('kinds registered at run time', () => {
  const widget: ResourceInfo = {
    kind: 'Widget', plural: 'widgets', singular: 'widget', group: 'example.io', version: 'v1',
    namespaced: true, shortNames: ['wdg'], table: CUSTOM_OBJECTS, subresources: [],
  };
  const gadget: ResourceInfo = { ...widget, kind: 'Gadget', plural: 'gadgets', singular: 'gadget', shortNames: [] };
  before(() => {
    registerKind(widget);
    registerKind(gadget);
  });
  after(() => {
    unregisterKind('Widget');
    unregisterKind('Gadget');
  });

  it('are found by kind, plural, short name and plural.group', () => {
    assert.equal(resourceByKind('Widget'), widget);
    assert.equal(resourceByPlural('widgets'), widget);
    for (const w of ['wdg', 'widget', 'Widgets', 'widgets.example.io']) assert.equal(resolveResource(w), widget, w);
    assert.deepEqual(allResources().slice(-2), [widget, gadget]);
  });

  it('get the generic strategy: no status subresource, NAME AGE, metadata fields only', () => {
    const st = strategyFor('Widget');
    assert.equal(st.kind, 'Widget');
    assert.equal(st.statusSubresource, GENERIC_STRATEGY.statusSubresource);
    assert.equal(st.generation, false);
    assert.equal(printerFor('Widget'), defaultPrinter);
    assert.deepEqual(selectableFields(widget), ['metadata.name', 'metadata.namespace']);
    assert.throws(() => parseFieldSelector('spec.size=1', widget), /field label not supported/);
  });

  const taken: [string, Partial<ResourceInfo>][] = [
    ['a built-in kind', { kind: 'Pod' }],
    ['a built-in plural', { kind: 'Pods2', plural: 'pods' }],
    ['a short name in use in its group', { kind: 'Other', plural: 'others', subjectToken: 'others_example_io', shortNames: ['wdg'] }],
    ['a subject token in use', { kind: 'Other', plural: 'others', subjectToken: 'pods' }],
    ['a registered kind', { kind: 'Widget', plural: 'widgets2' }],
  ];
  for (const [name, over] of taken) {
    it(`refuses ${name}`, () => assert.throws(() => registerKind({ ...widget, shortNames: [], ...over } as ResourceInfo), /already served/));
  }

  it('the same plural and kind in another group is another resource', () => {
    const other: ResourceInfo = { ...widget, group: 'other.io', subjectToken: 'widgets_other_io', shortNames: ['po'] };
    registerKind(other);
    try {
      assert.equal(resourceByGroupKind('other.io', 'Widget'), other);
      assert.equal(resourceByGroupKind('example.io', 'Widget'), widget);
      assert.equal(resourceBySubjectToken('widgets_other_io'), other);
      assert.equal(resourceBySubjectToken('widgets'), widget);
      assert.equal(resourceByKey('widgets.other.io'), other);
      // Named without a group, a kind or plural two groups serve is nobody's.
      assert.equal(resourceByKind('Widget'), undefined);
      assert.equal(resourceByPlural('widgets'), undefined);
      assert.equal(resourceOf('other.io/v1', 'Widget'), other);
    } finally {
      unregisterKind('Widget', 'other.io');
    }
    assert.equal(resourceByKind('Widget'), widget);
  });

  it('unregisterKind leaves built-in kinds alone', () => {
    unregisterKind('Pod');
    assert.equal(resourceByKind('Pod')?.plural, 'pods');
    assert.ok(strategyFor('Pod').printer);
  });

  it('share custom_objects, keyed by api_group and kind', () => {
    assert.ok(OBJECT_TABLES.includes(CUSTOM_OBJECTS));
    assert.deepEqual(keyOf(CUSTOM_OBJECTS), ['api_group', 'kind', 'namespace', 'name']);
    assert.deepEqual(columnsOf(CUSTOM_OBJECTS).map((c) => c.name), [...COMMON, 'api_group', 'kind', 'object']);
    assert.deepEqual(scopeOf(widget), { api_group: 'example.io', kind: 'Widget' });
    const row = toRow(widget, { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns' } } as KObject, 3);
    assert.equal(row.api_group, 'example.io');
    assert.equal(row.kind, 'Widget');
    assert.equal(row.namespace, 'ns');
  });

  it('plans objects of two kinds with the same name apart, deletes by kind too', () => {
    const ev = (seq: number, type: 'ADDED' | 'DELETED', r: ResourceInfo) => ({
      seq, time: '2026-12-06T00:00:00.000000Z', type, info: r,
      object: { apiVersion: 'example.io/v1', kind: r.kind, metadata: { name: 'same', namespace: 'ns' } } as KObject,
    });
    const plan = planBatch([ev(1, 'ADDED', widget), ev(2, 'ADDED', gadget), ev(3, 'DELETED', gadget)]);
    assert.deepEqual(plan.upserts.get(CUSTOM_OBJECTS)?.map((r) => r.kind), ['Widget']);
    assert.deepEqual(plan.deletes.get(CUSTOM_OBJECTS), [{ api_group: 'example.io', kind: 'Gadget', namespace: 'ns', name: 'same', seq: 3 }]);
    const text = applySql(plan);
    assert.match(text, /on conflict \(api_group, kind, namespace, name\)/);
    assert.match(text, /t\.api_group = d\.api_group and t\.kind = d\.kind and t\.namespace = d\.namespace and t\.name = d\.name/);
  });

  it('built-in tables keep their (namespace, name) key in the statement', () => {
    const plan = planBatch([
      { seq: 1, time: '2026-12-06T00:00:00.000000Z', type: 'DELETED', info: info('ConfigMap'), object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } } as KObject },
    ]);
    assert.deepEqual(plan.deletes.get('configmaps'), [{ namespace: 'ns', name: 'c', seq: 1 }]);
    assert.match(applySql(plan), /as d\(namespace text, name text, seq bigint\) where t\.namespace = d\.namespace and t\.name = d\.name and/);
  });
});
