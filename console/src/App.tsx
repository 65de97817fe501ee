/** The console's shell: nav, namespace selector, time bar, token prompt, and the page the hash names. */
import { useEffect, useState } from 'react';
import { href, useLocation, type Location } from './router';
import { TimeProvider } from './time/TimeContext';
import { TimelinePage } from './timeline/TimelinePage';
import { TopologyPage } from './topology/TopologyPage';
import { TokenPrompt } from './TokenPrompt';
import { onUnauthorized } from './api/client';

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
            onChange={(e) => go({ route: r, namespace: e.target.value.trim() })}
          />
        </label>
        <button onClick={() => setAskToken(true)}>Token</button>
      </header>
      {askToken && <TokenPrompt onDone={() => setAskToken(false)} />}
      <main>
        {r.page === 'timeline' ? (
          <TimelinePage namespace={ns} {...(r.kind ? { kind: r.kind } : {})} {...(r.name ? { name: r.name } : {})} />
        ) : r.page === 'topology' ? (
          <TopologyPage namespace={ns} />
        ) : (
          <p>{r.page}: coming soon</p>
        )}
      </main>
    </TimeProvider>
  );
}
