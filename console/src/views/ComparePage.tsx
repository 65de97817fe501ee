/**
 * Compare two moments: every object added, modified or deleted between two sequences (or times),
 * from the history API's `changes`, each with its YAML diff.
 */
import { useEffect, useState } from 'react';
import { getJSON } from '../api/client';
import { findType, useResourceTypes } from '../api/discovery';
import { HISTORY, latestSeq } from '../time/resolve';
import { useAsOf } from '../time/TimeContext';
import { ObjLink, type Any } from './common';

interface Change {
  involvedObject: { kind: string; namespace?: string; name: string };
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  revisions: number;
  toSequence: number;
  time: string;
  summary?: string;
  unified?: string;
}

export function ComparePage({ namespace }: { namespace: string }) {
  const { asOf } = useAsOf();
  const types = useResourceTypes();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [changes, setChanges] = useState<Change[] | null>(null);
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<Set<string>>(new Set());
  // Defaults: from the time-travel point (or 100 sequences back) to now.
  useEffect(() => {
    void latestSeq().then((max) => {
      setTo((t) => t || String(max));
      setFrom((f) => f || String(asOf?.seq ?? Math.max(1, max - 100)));
    });
  }, [asOf]);
  const compare = async () => {
    setError(undefined);
    setChanges(null);
    try {
      const base = namespace ? `${HISTORY}/namespaces/${encodeURIComponent(namespace)}` : HISTORY;
      const q = new URLSearchParams({ from, to, unified: 'true' });
      const l = await getJSON<{ items: Change[] }>(`${base}/changes?${q}`);
      setChanges(l.items);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const key = (c: Change) => `${c.involvedObject.kind}/${c.involvedObject.namespace ?? ''}/${c.involvedObject.name}`;
  return (
    <section>
      <h2>Compare two moments</h2>
      <form
        className="compare"
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <label>
          from <input aria-label="from" value={from} onChange={(e) => setFrom(e.target.value)} placeholder="sequence or RFC 3339 time" />
        </label>{' '}
        <label>
          to <input aria-label="to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="sequence or RFC 3339 time" />
        </label>{' '}
        <button type="submit">Compare</button>
      </form>
      {error && <p className="error">{error}</p>}
      {changes && <p className="liststatus">{changes.length} objects changed</p>}
      {changes && (
        <table className="changes">
          <thead>
            <tr>
              <th>Change</th>
              <th>Object</th>
              <th>Revisions</th>
              <th>Last seq</th>
              <th>Summary</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((c) => {
              const io = c.involvedObject;
              const t = findType(types, io.kind);
              const k = key(c);
              return (
                <FragmentRow key={k} open={open.has(k)} unified={c.unified}>
                  <td className={`change-${c.type.toLowerCase()}`}>{c.type}</td>
                  <td>
                    {t && c.type !== 'DELETED' ? (
                      <ObjLink groupVersion={t.groupVersion} plural={t.plural} name={io.name} namespace={io.namespace}>
                        {io.kind}/{io.name}
                      </ObjLink>
                    ) : (
                      `${io.kind}/${io.name}`
                    )}
                    {io.namespace && !namespace ? <span className="muted"> ({io.namespace})</span> : null}
                  </td>
                  <td>{c.revisions}</td>
                  <td>{c.toSequence}</td>
                  <td>
                    <button type="button" className="link" onClick={() => setOpen((s) => toggle(s, k))}>
                      {open.has(k) ? '▾' : '▸'}
                    </button>{' '}
                    {c.summary}
                  </td>
                </FragmentRow>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function toggle(s: Set<string>, k: string): Set<string> {
  const n = new Set(s);
  if (n.has(k)) n.delete(k);
  else n.add(k);
  return n;
}

function FragmentRow({ open, unified, children }: { open: boolean; unified?: string | undefined; children: Any }) {
  return (
    <>
      <tr>{children}</tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <pre className="diff">
              {(unified ?? '').split('\n').map((l, i) => (
                <span key={i} className={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}>
                  {l + '\n'}
                </span>
              ))}
            </pre>
          </td>
        </tr>
      )}
    </>
  );
}
