/**
 * One object: its YAML, status conditions, owner (a link) and dependents (objects whose
 * ownerReferences name it), its events, and for a pod its logs, followed live.
 */
import { useEffect, useMemo, useState } from 'react';
import { stringify } from 'yaml';
import type { Event } from '../../../shared/resources/types.js';
import { lastSeen } from '../../../shared/printers/events.js';
import { collectionPath, type ResourceType } from '../../../shared/console/discovery.js';
import { useList } from '../api/useList';
import { findType, useResourceTypes } from '../api/discovery';
import { Age, ObjLink, type Any } from './common';
import { EventTable } from './EventsView';
import { PodLogs } from './PodLogs';

/** Kinds whose objects are commonly owned by others: where dependents are looked for. */
const DEPENDENT_KINDS = ['ReplicaSet', 'Pod', 'Job', 'ControllerRevision', 'EndpointSlice', 'PersistentVolumeClaim'];

export function ObjectPage({ apiPath, name, namespace }: { apiPath: string; name: string; namespace?: string | undefined }) {
  const types = useResourceTypes();
  const plural = apiPath.split('/').pop()!;
  const groupVersion = apiPath.replace(/^apis?\//, '').split('/').slice(0, -1).join('/');
  const t = types.find((x) => x.plural === plural && x.groupVersion === groupVersion);
  const path = t ? `${collectionPath(t, namespace ?? '')}?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}` : null;
  const list = useList<Any>(path);
  const obj = list.items[0];
  return (
    <section className="object">
      <h2>
        {t?.kind ?? plural} <span className="objname">{name}</span> {namespace && <span className="muted">in {namespace}</span>}
      </h2>
      {list.error && <p className="error">{list.error}</p>}
      {!obj && !list.loading && !list.error && <p className="muted">Not found (at this point in time).</p>}
      {obj && t && <ObjectDetails obj={obj} t={t} types={types} />}
    </section>
  );
}

function ObjectDetails({ obj, t, types }: { obj: Any; t: ResourceType; types: ResourceType[] }) {
  const ns: string | undefined = obj.metadata.namespace;
  const conditions: Any[] = obj.status?.conditions ?? [];
  const owners: Any[] = obj.metadata.ownerReferences ?? [];
  const yamlText = useMemo(() => stringify(obj, { aliasDuplicateObjects: false }), [obj]);
  const [tab, setTab] = useState<'overview' | 'yaml' | 'logs'>('overview');
  return (
    <>
      <div className="tabs">
        <a className={tab === 'overview' ? 'active' : ''} onClick={() => setTab('overview')} href={undefined} role="tab">
          Overview
        </a>
        <a className={tab === 'yaml' ? 'active' : ''} onClick={() => setTab('yaml')} role="tab">
          YAML
        </a>
        {t.kind === 'Pod' && t.groupVersion === 'v1' && (
          <a className={tab === 'logs' ? 'active' : ''} onClick={() => setTab('logs')} role="tab">
            Logs
          </a>
        )}
      </div>
      {tab === 'yaml' && <pre className="yaml">{yamlText}</pre>}
      {tab === 'logs' && <PodLogs namespace={ns ?? ''} pod={obj} />}
      {tab === 'overview' && (
        <>
          <dl className="meta">
            <dt>Created</dt>
            <dd>
              <Age ts={obj.metadata.creationTimestamp} /> ago ({obj.metadata.creationTimestamp})
            </dd>
            <dt>UID</dt>
            <dd>{obj.metadata.uid}</dd>
            <dt>resourceVersion</dt>
            <dd>{obj.metadata.resourceVersion}</dd>
            <dt>Owner</dt>
            <dd>
              {owners.length === 0
                ? '<none>'
                : owners.map((o) => {
                    const ot = findType(types, o.kind);
                    return (
                      <span key={o.uid} className="owner">
                        {ot ? (
                          <ObjLink groupVersion={ot.groupVersion} plural={ot.plural} name={o.name} namespace={ot.namespaced ? ns : undefined}>
                            {o.kind}/{o.name}
                          </ObjLink>
                        ) : (
                          `${o.kind}/${o.name}`
                        )}{' '}
                      </span>
                    );
                  })}
            </dd>
          </dl>
          <h3>Conditions</h3>
          {conditions.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <table className="conditions">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Reason</th>
                  <th>Message</th>
                  <th>Last transition</th>
                </tr>
              </thead>
              <tbody>
                {conditions.map((c) => (
                  <tr key={c.type}>
                    <td>{c.type}</td>
                    <td>{c.status}</td>
                    <td>{c.reason}</td>
                    <td>{c.message}</td>
                    <td>{c.lastTransitionTime}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Dependents uid={obj.metadata.uid} namespace={ns} types={types} />
          <ObjectEvents obj={obj} kind={t.kind} types={types} />
        </>
      )}
    </>
  );
}

function Dependents({ uid, namespace, types }: { uid: string; namespace: string | undefined; types: ResourceType[] }) {
  const [deps, setDeps] = useState<{ t: ResourceType; o: Any }[] | null>(null);
  const candidates = types.filter((t) => DEPENDENT_KINDS.includes(t.kind) && (t.namespaced ? !!namespace : true));
  const lists = candidates.map((t) => ({ t, path: collectionPath(t, namespace ?? '') }));
  return (
    <>
      <h3>Dependents</h3>
      {lists.map(({ t, path }) => (
        <DependentsOf key={path} t={t} path={path} uid={uid} onFound={(found) => setDeps((d) => merge(d, t, found))} />
      ))}
      {!deps || deps.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul className="dependents">
          {deps.map(({ t, o }) => (
            <li key={`${t.kind}/${o.metadata.name}`}>
              <ObjLink groupVersion={t.groupVersion} plural={t.plural} name={o.metadata.name} namespace={o.metadata.namespace}>
                {t.kind}/{o.metadata.name}
              </ObjLink>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function merge(d: { t: ResourceType; o: Any }[] | null, t: ResourceType, found: Any[]) {
  return [...(d ?? []).filter((x) => x.t !== t), ...found.map((o) => ({ t, o }))];
}

/** One kind's objects owned by uid (a live list; renders nothing itself). */
function DependentsOf({ t, path, uid, onFound }: { t: ResourceType; path: string; uid: string; onFound(o: Any[]): void }) {
  const list = useList<Any>(path);
  const owned = useMemo(() => list.items.filter((o) => (o.metadata.ownerReferences ?? []).some((r: Any) => r.uid === uid)), [list.items, uid]);
  const sig = owned.map((o) => o.metadata.name).sort().join(',');
  useEffect(() => onFound(owned), [sig, t]); // eslint-disable-line react-hooks/exhaustive-deps
  return null;
}

function ObjectEvents({ obj, kind, types }: { obj: Any; kind: string; types: ResourceType[] }) {
  const ns = obj.metadata.namespace;
  const sel = `involvedObject.kind=${kind},involvedObject.name=${obj.metadata.name}`;
  const path = `${ns ? `/api/v1/namespaces/${encodeURIComponent(ns)}` : '/api/v1'}/events?fieldSelector=${encodeURIComponent(sel)}`;
  const events = useList<Any>(path);
  const rows = useMemo(() => ([...events.items] as Event[]).sort((a, b) => (lastSeen(b) ?? '').localeCompare(lastSeen(a) ?? '')), [events.items]);
  return (
    <>
      <h3>Events</h3>
      {events.error && <p className="error">{events.error}</p>}
      <EventTable rows={rows} types={types} now={new Date()} height={Math.min(300, 30 + rows.length * 24)} />
    </>
  );
}
