/** The console's shell: nav, namespace selector, time bar, token prompt, and the page the hash names. */
import { useEffect, useState } from 'react';
import { href, useLocation, type Location } from './router';
import { TimeProvider } from './time/TimeContext';
import { TimelinePage } from './timeline/TimelinePage';
import { TopologyPage } from './topology/TopologyPage';
import { TokenPrompt } from './TokenPrompt';
import { onUnauthorized } from './api/client';
import { TimeBar } from './time/TimeBar';
import { NodesView } from './views/NodesView';
import { PodsView } from './views/PodsView';
import { WorkloadsView } from './views/WorkloadsView';
import { ServicesView } from './views/ServicesView';
import { EventsView } from './views/EventsView';
import { ResourcesView } from './views/ResourcesView';
import { ObjectPage } from './views/ObjectPage';
import { ComparePage } from './views/ComparePage';
import { useList } from './api/useList';
import type { KubeObject } from './api/client';

const NAV: { page: Location['route']['page']; label: string }[] = [
  { page: 'nodes', label: 'Nodes' },
  { page: 'workloads', label: 'Workloads' },
  { page: 'pods', label: 'Pods' },
  { page: 'services', label: 'Services' },
  { page: 'events', label: 'Events' },
  { page: 'resources', label: 'All kinds' },
  { page: 'timeline', label: 'Timeline' },
  { page: 'topology', label: 'Topology' },
  { page: 'compare', label: 'Compare' },
];

export function App() {
  const [loc, go] = useLocation();
  const [askToken, setAskToken] = useState(false);
  useEffect(() => onUnauthorized(() => setAskToken(true)), []);
  const ns = loc.namespace;
  const r = loc.route;
  return (
    <TimeProvider>
      <header className="top">
        <span className="brand">jetkube</span>
        <nav>
          {NAV.map((n) => (
            <a key={n.page} href={href({ route: { page: n.page } as Location['route'], namespace: ns })} className={r.page === n.page ? 'active' : ''}>
              {n.label}
            </a>
          ))}
        </nav>
        <label className="ns">
          namespace{' '}
          <input
            aria-label="namespace"
            value={ns}
            placeholder="all"
            list="namespaces"
            onChange={(e) => go({ route: r, namespace: e.target.value.trim() })}
          />
          <Namespaces />
        </label>
        <button onClick={() => setAskToken(true)}>Token</button>
      </header>
      <TimeBar />
      {askToken && <TokenPrompt onDone={() => setAskToken(false)} />}
      <main>
        <Page loc={loc} />
      </main>
    </TimeProvider>
  );
}

function Page({ loc }: { loc: Location }) {
  const ns = loc.namespace;
  const r = loc.route;
  switch (r.page) {
    case 'nodes':
      return <NodesView />;
    case 'workloads':
      return <WorkloadsView namespace={ns} kind={r.kind} />;
    case 'pods':
      return <PodsView namespace={ns} />;
    case 'services':
      return <ServicesView namespace={ns} />;
    case 'events':
      return <EventsView namespace={ns} />;
    case 'resources':
      return <ResourcesView namespace={ns} kind={r.kind} />;
    case 'compare':
      return <ComparePage namespace={ns} />;
    case 'timeline':
      return <TimelinePage namespace={ns} {...(r.kind ? { kind: r.kind } : {})} {...(r.name ? { name: r.name } : {})} />;
    case 'topology':
      return <TopologyPage namespace={ns} />;
    case 'object':
      return <ObjectPage apiPath={r.apiPath} name={r.name} namespace={r.namespace} />;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** The namespace box's suggestions: the namespaces there are (then, when time travelling). */
function Namespaces() {
  const list = useList<KubeObject>('/api/v1/namespaces');
  return (
    <datalist id="namespaces">
      {list.items.map((n) => (
        <option key={n.metadata.name} value={n.metadata.name} />
      ))}
    </datalist>
  );
}
