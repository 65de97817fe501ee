/** Pods: ready, status, restarts, node, IP, age, as kubectl get pods -o wide prints them. */
import { useMemo } from 'react';
import type { Pod } from '../../../shared/resources/types.js';
import { podIP, podSummary, restartsCell } from '../../../shared/printers/pods.js';
import { useList } from '../api/useList';
import { Table } from '../components/Table';
import { Age, byName, ListStatus, nsPath, ObjLink, type Any } from './common';

export function PodsView({ namespace }: { namespace: string }) {
  const pods = useList<Any>(nsPath('/api/v1', 'pods', namespace));
  const rows = useMemo(() => (pods.items as Pod[]).map((p) => ({ pod: p, s: podSummary(p) })).sort((a, b) => byName(a.pod as Any, b.pod as Any)), [pods.items]);
  const now = new Date();
  return (
    <section>
      <h2>Pods</h2>
      <ListStatus state={pods} what="pods" />
      <Table
        label="pods"
        rows={rows}
        rowKey={(r) => `${r.pod.metadata.namespace}/${r.pod.metadata.name}`}
        columns={[
          ...(namespace ? [] : [{ header: 'Namespace', cell: (r: (typeof rows)[number]) => r.pod.metadata.namespace }]),
          { header: 'Name', cell: (r) => <ObjLink groupVersion="v1" plural="pods" name={r.pod.metadata.name} namespace={r.pod.metadata.namespace} />, width: '2.5fr' },
          { header: 'Ready', cell: (r) => `${r.s.ready}/${r.s.total}`, width: '60px' },
          { header: 'Status', cell: (r) => r.s.status },
          { header: 'Restarts', cell: (r) => restartsCell(r.s, now), width: '80px' },
          { header: 'Node', cell: (r) => (r.pod.spec?.nodeName ? <ObjLink groupVersion="v1" plural="nodes" name={r.pod.spec.nodeName} /> : '<none>'), width: '1.5fr' },
          { header: 'IP', cell: (r) => podIP(r.pod) ?? '<none>' },
          { header: 'Age', cell: (r) => <Age ts={r.pod.metadata.creationTimestamp} />, width: '70px' },
        ]}
      />
    </section>
  );
}
