/** Events, newest first, linked to the objects they are about. */
import { useMemo } from 'react';
import type { Event } from '../../../shared/resources/types.js';
import { eventInterval, lastSeen } from '../../../shared/printers/events.js';
import { objectKey } from '../../../shared/console/list-state.js';
import { useList } from '../api/useList';
import { useResourceTypes, findType } from '../api/discovery';
import { Table } from '../components/Table';
import { ListStatus, nsPath, ObjLink, type Any } from './common';

export function EventsView({ namespace }: { namespace: string }) {
  const events = useList<Any>(nsPath('/api/v1', 'events', namespace));
  const types = useResourceTypes();
  const rows = useMemo(() => ([...events.items] as Event[]).sort((a, b) => (lastSeen(b) ?? '').localeCompare(lastSeen(a) ?? '')), [events.items]);
  return (
    <section>
      <h2>Events</h2>
      <ListStatus state={events} what="events" />
      <EventTable rows={rows} types={types} now={new Date()} />
    </section>
  );
}

export function EventTable({ rows, types, now, height }: { rows: Event[]; types: ReturnType<typeof useResourceTypes>; now: Date; height?: number }) {
  return (
    <Table<Event>
      label="events"
      rows={rows}
      rowKey={(e) => objectKey(e)}
      {...(height ? { height } : {})}
      columns={[
        { header: 'Last seen', cell: (e) => eventInterval(e, now), width: '90px' },
        { header: 'Type', cell: (e) => e.type, width: '80px' },
        { header: 'Reason', cell: (e) => e.reason },
        {
          header: 'Object',
          cell: (e) => {
            const io = e.involvedObject ?? ({} as Event['involvedObject']);
            const t = io.kind ? findType(types, io.kind) : undefined;
            const label = `${(io.kind ?? '').toLowerCase()}/${io.name}`;
            return t ? <ObjLink groupVersion={t.groupVersion} plural={t.plural} name={io.name ?? ''} namespace={io.namespace}>{label}</ObjLink> : label;
          },
          width: '2fr',
        },
        { header: 'Message', cell: (e) => <span title={e.message}>{e.message}</span>, width: '4fr' },
      ]}
    />
  );
}
