/** Any kind the API serves (from discovery): pick one, see its objects. */
import { useMemo } from 'react';
import { collectionPath } from '../../../shared/console/discovery.js';
import { useList } from '../api/useList';
import { findType, useResourceTypes } from '../api/discovery';
import { Table } from '../components/Table';
import { href } from '../router';
import { Age, byName, ListStatus, ObjLink, type Any } from './common';

export function ResourcesView({ namespace, kind }: { namespace: string; kind?: string | undefined }) {
  const types = useResourceTypes();
  const t = kind ? findType(types, kind) : undefined;
  const list = useList<Any>(t ? collectionPath(t, namespace) : null);
  const rows = useMemo(() => [...list.items].sort(byName), [list.items]);
  return (
    <section>
      <h2>All kinds</h2>
      <label>
        kind{' '}
        <select aria-label="kind" value={t?.kind ?? ''} onChange={(e) => (window.location.hash = href({ route: { page: 'resources', kind: e.target.value }, namespace }))}>
          <option value="">(pick a kind)</option>
          {types.map((x) => (
            <option key={`${x.groupVersion}/${x.kind}`} value={x.kind}>
              {x.kind} ({x.groupVersion})
            </option>
          ))}
        </select>
      </label>
      {t && (
        <>
          <ListStatus state={list} what={t.plural} />
          <Table<Any>
            label={t.plural}
            rows={rows}
            rowKey={(o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`}
            columns={[
              ...(t.namespaced ? [{ header: 'Namespace', cell: (o: Any) => o.metadata.namespace }] : []),
              { header: 'Name', cell: (o) => <ObjLink groupVersion={t.groupVersion} plural={t.plural} name={o.metadata.name} namespace={o.metadata.namespace} />, width: '3fr' },
              { header: 'Age', cell: (o) => <Age ts={o.metadata.creationTimestamp} />, width: '70px' },
            ]}
          />
        </>
      )}
    </section>
  );
}
