/** Services with their endpoints (the Endpoints object of the same name). */
import { useMemo } from 'react';
import type { Endpoints, Service } from '../../../shared/resources/types.js';
import { externalIP, formatEndpoints, portString } from '../../../shared/printers/network.js';
import { objectKey } from '../../../shared/console/list-state.js';
import { useList } from '../api/useList';
import { Table } from '../components/Table';
import { Age, byName, ListStatus, nsPath, ObjLink, type Any } from './common';

export function ServicesView({ namespace }: { namespace: string }) {
  const svcs = useList<Any>(nsPath('/api/v1', 'services', namespace));
  const eps = useList<Any>(nsPath('/api/v1', 'endpoints', namespace));
  const rows = useMemo(() => [...svcs.items].sort(byName) as Service[], [svcs.items]);
  return (
    <section>
      <h2>Services</h2>
      <ListStatus state={svcs} what="services" />
      <Table<Service>
        label="services"
        rows={rows}
        rowKey={(s) => objectKey(s)}
        columns={[
          ...(namespace ? [] : [{ header: 'Namespace', cell: (s: Service) => s.metadata.namespace }]),
          { header: 'Name', cell: (s) => <ObjLink groupVersion="v1" plural="services" name={s.metadata.name} namespace={s.metadata.namespace} />, width: '1.5fr' },
          { header: 'Type', cell: (s) => s.spec?.type ?? 'ClusterIP' },
          { header: 'Cluster IP', cell: (s) => s.spec?.clusterIP ?? '<none>' },
          { header: 'External IP', cell: (s) => externalIP(s) },
          { header: 'Ports', cell: (s) => portString(s.spec?.ports) },
          {
            header: 'Endpoints',
            cell: (s) => {
              const ep = eps.byKey.get(objectKey(s)) as Endpoints | undefined;
              return ep ? <ObjLink groupVersion="v1" plural="endpoints" name={s.metadata.name} namespace={s.metadata.namespace}>{formatEndpoints(ep)}</ObjLink> : '<none>';
            },
            width: '2fr',
          },
          { header: 'Age', cell: (s) => <Age ts={s.metadata.creationTimestamp} />, width: '70px' },
        ]}
      />
    </section>
  );
}
