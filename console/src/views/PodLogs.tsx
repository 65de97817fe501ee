/** A pod's logs, followed (`/log?follow=true`), with a container picker. */
import { useEffect, useRef, useState } from 'react';
import { apiFetch } from '../api/client';
import type { Any } from './common';

const MAX_CHARS = 1_000_000;

export function PodLogs({ namespace, pod }: { namespace: string; pod: Any }) {
  const containers: string[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c: Any) => c.name);
  const [container, setContainer] = useState<string>(pod.spec?.containers?.[0]?.name ?? containers[0] ?? '');
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const pre = useRef<HTMLPreElement>(null);
  const name: string = pod.metadata.name;
  useEffect(() => {
    setText('');
    setError(undefined);
    const ctl = new AbortController();
    void (async () => {
      try {
        const q = new URLSearchParams({ follow: 'true', container, tailLines: '5000' });
        const res = await apiFetch(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log?${q}`, { signal: ctl.signal, headers: { Accept: '*/*' } });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          setText((t) => (t + value).slice(-MAX_CHARS));
        }
      } catch (e) {
        if (!ctl.signal.aborted) setError((e as Error).message);
      }
    })();
    return () => ctl.abort();
  }, [namespace, name, container]);
  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <div className="logs">
      <label>
        container{' '}
        <select aria-label="container" value={container} onChange={(e) => setContainer(e.target.value)}>
          {containers.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      {error && <p className="error">{error}</p>}
      <pre ref={pre} className="logtext" aria-label="logs">
        {text}
      </pre>
    </div>
  );
}
