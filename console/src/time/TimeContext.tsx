/** Time travel: the moment every view shows. null = live (watches); otherwise lists at that sequence or time. */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export interface AsOf {
  seq?: number;
  time?: string;
}

export interface TimeState {
  asOf: AsOf | null;
  setAsOf(a: AsOf | null): void;
}

const TimeContext = createContext<TimeState>({ asOf: null, setAsOf: () => undefined });

export function TimeProvider({ children }: { children: ReactNode }) {
  const [asOf, setAsOf] = useState<AsOf | null>(null);
  const value = useMemo(() => ({ asOf, setAsOf }), [asOf]);
  return <TimeContext.Provider value={value}>{children}</TimeContext.Provider>;
}

export function useAsOf(): TimeState {
  return useContext(TimeContext);
}
