/** Nodes: status, allocatable, what their pods request, conditions (pods of every namespace count). */
import { useMemo } from 'react';
import type { Node, Pod } from '../../../shared/resources/types.js';
import { cpuCell, memoryCell, nodeRows, type NodeRow } from '../../../shared/console/nodes.js';
import { useList } from '../api/useList';
import { Table } from '../components/Table';
import { Age, ListStatus, ObjLink } from './common';

export function NodesView() {
  const nodes = useList<Node & { metadata: { name: string } }>('/api/v1/nodes');
  const pods = useList<Pod & { metadata: { name: string } }>('/api/v1/pods');
  const rows = useMemo(() => nodeRows(nodes.items, pods.items).sort((a, b) => a.name.localeCompare(b.name)), [nodes.items, pods.items]);
  return (
    <section>
      <h2>Nodes</h2>
      <ListStatus state={nodes} what="nodes" />
      <Table<NodeRow>
        label="nodes"
        rows={rows}
        rowKey={(r) => r.name}
        columns={[
          { header: 'Name', cell: (r) => <ObjLink groupVersion="v1" plural="nodes" name={r.name} />, width: '2fr' },
          { header: 'Status', cell: (r) => r.status },
          { header: 'CPU requested', cell: (r) => `${cpuCell(r.requestedMilliCPU, r.milliCPU)} of ${r.milliCPU}m` },
          { header: 'Memory requested', cell: (r) => `${memoryCell(r.requestedMemory, r.memory)} of ${Math.round(r.memory / 1024 / 1024)}Mi` },
          { header: 'Pods', cell: (r) => `${r.podCount} / ${r.pods}` },
          { header: 'Conditions', cell: (r) => <span title={r.conditions}>{r.conditions}</span>, width: '3fr' },
          { header: 'Age', cell: (r) => <Age ts={r.node.metadata.creationTimestamp} />, width: '70px' },
        ]}
      />
    </section>
  );
}
