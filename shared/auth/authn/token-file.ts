/**
 * kube-apiserver's `--token-auth-file`: CSV lines `token,user,uid[,"group1,group2,…"]`. Lines
 * beginning with `#` and blank lines are skipped; a line with fewer than three fields, an empty
 * token or user, or a token seen before is an error naming the line (kube-apiserver refuses to
 * start on them; it warns about a duplicate and keeps the later one, we refuse it). CSV quoting
 * by the `csv-parse` rules: a quoted field may hold commas.
 */
import { parse } from 'csv-parse/sync';
import type { UserInfo } from '../user.js';

export type TokenTable = ReadonlyMap<string, UserInfo>;

export function parseTokenFile(text: string, file = 'token file'): TokenTable {
  const rows = parse(text, { relax_column_count: true, skip_empty_lines: true, comment: '#', trim: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const out = new Map<string, UserInfo>();
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length < 3) throw new Error(`${file}:${line}: expected token,user,uid[,"groups"] (at least 3 columns), got ${record.length}`);
    const [token, user, uid, groups] = record as [string, string, string, string | undefined];
    if (!token) throw new Error(`${file}:${line}: empty token`);
    if (!user) throw new Error(`${file}:${line}: empty user name`);
    if (out.has(token)) throw new Error(`${file}:${line}: duplicate token`);
    out.set(token, {
      username: user,
      ...(uid ? { uid } : {}),
      groups: (groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
    });
  }
  return out;
}
