/**
 * Go's text/tabwriter, as kubectl uses it, so jkctl's columns line up the way kubectl's do: cells
 * end at a tab, a column's width is set per block of consecutive lines that have a cell in it,
 * and the text after a line's last tab is not padded. `get` uses kubectl's settings (min width 6,
 * padding 3, widths remembered across writes so `-w` rows stay aligned with the header); `describe`
 * uses padding 2.
 */

export interface TabWriterOptions {
  readonly minWidth?: number;
  readonly padding?: number;
  /** Keep the widest width seen per column across format() calls (kubectl's RememberWidths). */
  readonly rememberWidths?: boolean;
}

const textWidth = (s: string) => [...s].length;

export class TabWriter {
  private readonly minWidth: number;
  private readonly padding: number;
  private readonly remember: boolean;
  private readonly maxWidths: number[] = [];

  constructor(opts: TabWriterOptions = {}) {
    this.minWidth = opts.minWidth ?? 0;
    this.padding = opts.padding ?? 1;
    this.remember = opts.rememberWidths ?? false;
  }

  /** Lay out `text` (lines of tab-separated cells); the result ends with a newline per input line. */
  format(text: string): string {
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    if (body === '' && text === '') return '';
    const lines = body.split('\n').map((l) => l.split('\t'));
    const out: string[] = [];
    const widths: number[] = [];

    const writeLines = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const cells = lines[i]!;
        let s = '';
        cells.forEach((c, j) => {
          s += c;
          if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j]! - textWidth(c)));
        });
        out.push(s);
      }
    };

    const block = (line0: number, line1: number) => {
      const column = widths.length;
      for (let t = line0; t < line1; t++) {
        if (column >= lines[t]!.length - 1) continue;
        // A cell in this column: the lines before it are done, a column block starts here.
        writeLines(line0, t);
        line0 = t;
        let width = this.minWidth;
        for (; t < line1; t++) {
          const cells = lines[t]!;
          if (column >= cells.length - 1) break;
          width = Math.max(width, textWidth(cells[column]!) + this.padding);
        }
        if (this.remember) {
          if ((this.maxWidths[column] ?? 0) > width) width = this.maxWidths[column]!;
          else this.maxWidths[column] = width;
        }
        widths.push(width);
        block(line0, t);
        widths.pop();
        line0 = t;
      }
      writeLines(line0, line1);
    };

    block(0, lines.length);
    return out.map((l) => `${l}\n`).join('');
  }
}

/** kubectl get's layout: min width 6, padding 3, widths remembered across writes. */
export const getTabWriter = () => new TabWriter({ minWidth: 6, padding: 3, rememberWidths: true });
