/** Workloads: one table per controller kind (Deployments by default), live; other kinds via "All kinds". */
import { useMemo } from 'react';
import { useList } from '../api/useList';
import { Table, type Column } from '../components/Table';
import { href } from '../router';
import { Age, byName, ListStatus, nsPath, ObjLink, type Any } from './common';

interface WorkloadKind {
  readonly kind: string;
  readonly groupVersion: string;
  readonly plural: string;
  readonly columns: Column<Any>[];
}

const n = (x: unknown) => (typeof x === 'number' ? x : 0);

const WORKLOADS: WorkloadKind[] = [
  {
    kind: 'Deployment',
    groupVersion: 'apps/v1',
    plural: 'deployments',
    columns: [
      { header: 'Ready', cell: (d) => `${n(d.status?.readyReplicas)}/${d.spec?.replicas ?? 1}` },
      { header: 'Up-to-date', cell: (d) => n(d.status?.updatedReplicas) },
      { header: 'Available', cell: (d) => n(d.status?.availableReplicas) },
    ],
  },
  {
    kind: 'ReplicaSet',
    groupVersion: 'apps/v1',
    plural: 'replicasets',
    columns: [
      { header: 'Desired', cell: (r) => r.spec?.replicas ?? 1 },
      { header: 'Current', cell: (r) => n(r.status?.replicas) },
      { header: 'Ready', cell: (r) => n(r.status?.readyReplicas) },
    ],
  },
  {
    kind: 'StatefulSet',
    groupVersion: 'apps/v1',
    plural: 'statefulsets',
    columns: [{ header: 'Ready', cell: (s) => `${n(s.status?.readyReplicas)}/${s.spec?.replicas ?? 1}` }],
  },
  {
    kind: 'DaemonSet',
    groupVersion: 'apps/v1',
    plural: 'daemonsets',
    columns: [
      { header: 'Desired', cell: (d) => n(d.status?.desiredNumberScheduled) },
      { header: 'Current', cell: (d) => n(d.status?.currentNumberScheduled) },
      { header: 'Ready', cell: (d) => n(d.status?.numberReady) },
      { header: 'Available', cell: (d) => n(d.status?.numberAvailable) },
    ],
  },
  {
    kind: 'Job',
    groupVersion: 'batch/v1',
    plural: 'jobs',
    columns: [
      { header: 'Status', cell: (j) => (j.status?.conditions ?? []).find((c: Any) => c.status === 'True')?.type ?? (n(j.status?.active) ? 'Running' : 'Pending') },
      { header: 'Completions', cell: (j) => `${n(j.status?.succeeded)}/${j.spec?.completions ?? 1}` },
    ],
  },
  {
    kind: 'CronJob',
    groupVersion: 'batch/v1',
    plural: 'cronjobs',
    columns: [
      { header: 'Schedule', cell: (c) => c.spec?.schedule },
      { header: 'Suspend', cell: (c) => String(!!c.spec?.suspend) },
      { header: 'Active', cell: (c) => (c.status?.active ?? []).length },
      { header: 'Last schedule', cell: (c) => <Age ts={c.status?.lastScheduleTime} /> },
    ],
  },
];

export function WorkloadsView({ namespace, kind }: { namespace: string; kind?: string | undefined }) {
  const w = WORKLOADS.find((x) => x.kind === kind) ?? WORKLOADS[0]!;
  const list = useList<Any>(nsPath(`/apis/${w.groupVersion}`, w.plural, namespace));
  const rows = useMemo(() => [...list.items].sort(byName), [list.items]);
  return (
    <section>
      <h2>Workloads</h2>
      <div className="tabs">
        {WORKLOADS.map((x) => (
          <a key={x.kind} className={x === w ? 'active' : ''} href={href({ route: { page: 'workloads', kind: x.kind }, namespace })}>
            {x.kind}s
          </a>
        ))}
        <a href={href({ route: { page: 'resources' }, namespace })}>other kinds…</a>
      </div>
      <ListStatus state={list} what={`${w.plural}`} />
      <Table<Any>
        label={w.plural}
        rows={rows}
        rowKey={(o) => `${o.metadata.namespace}/${o.metadata.name}`}
        columns={[
          ...(namespace ? [] : [{ header: 'Namespace', cell: (o: Any) => o.metadata.namespace }]),
          { header: 'Name', cell: (o) => <ObjLink groupVersion={w.groupVersion} plural={w.plural} name={o.metadata.name} namespace={o.metadata.namespace} />, width: '2fr' },
          ...w.columns,
          { header: 'Age', cell: (o) => <Age ts={o.metadata.creationTimestamp} />, width: '70px' },
        ]}
      />
    </section>
  );
}
