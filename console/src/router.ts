/** Hash routing: the location as React state (shared/console/route.ts parses and formats it). */
import { useEffect, useState } from 'react';
import { formatHash, parseHash, type Location } from '../../shared/console/route.js';

export type { Location, Route } from '../../shared/console/route.js';

export function useLocation(): [Location, (l: Location) => void] {
  const [loc, setLoc] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setLoc(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return [loc, (l) => (window.location.hash = formatHash(l))];
}

export function href(l: Location): string {
  return formatHash(l);
}
