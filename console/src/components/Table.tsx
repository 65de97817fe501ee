/**
 * A virtualized table (only the rows in view are in the DOM, so 5,000 pods scroll freely):
 * columns are header + cell function; a row may link to its object page.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => ReactNode;
  readonly width?: string;
}

const ROW_HEIGHT = 24;

export function Table<T>(props: { rows: readonly T[]; columns: readonly Column<T>[]; rowKey: (r: T) => string; label: string; height?: number }) {
  const { rows, columns, rowKey } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });
  // The first rows on screen, as a performance mark (`jetkube:rows:pods`): what bench:console measures.
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || rows.length === 0) return;
    marked.current = true;
    performance.mark(`jetkube:rows:${props.label}`);
  }, [rows.length, props.label]);
  const template = columns.map((c) => c.width ?? 'minmax(80px, 1fr)').join(' ');
  return (
    <div className="vtable" role="table" aria-label={props.label} aria-rowcount={rows.length}>
      <div className="vrow vhead" role="row" style={{ gridTemplateColumns: template }}>
        {columns.map((c) => (
          <div key={c.header} role="columnheader">
            {c.header}
          </div>
        ))}
      </div>
      <div ref={scroller} className="vbody" style={{ height: props.height ?? 'calc(100vh - 170px)' }}>
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((vi) => {
            const r = rows[vi.index]!;
            return (
              <div
                key={rowKey(r)}
                role="row"
                data-key={rowKey(r)}
                className="vrow"
                style={{ gridTemplateColumns: template, position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${vi.start}px)` }}
              >
                {columns.map((c) => (
                  <div key={c.header} role="cell">
                    {c.cell(r)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
      {rows.length === 0 && <p className="muted">No resources found.</p>}
    </div>
  );
}
