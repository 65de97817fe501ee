/**
 * The field manager of a write without `fieldManager` (kube-apiserver's managerOrUserAgent): the
 * user agent up to its first `/`, printable characters only, at most 128 bytes. `kubectl edit`
 * sends `kubectl-edit/v1.30.0 (linux/amd64) kubernetes/…`, so its manager is `kubectl-edit`;
 * kubectl's own defaults (`kubectl-client-side-apply`, `kubectl-create`, `kubectl`) come from
 * the client. Apply has no default: `fieldManager` is required there.
 */
export const FIELD_MANAGER_MAX_LENGTH = 128;

export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const head = (userAgent ?? '').split('/')[0]!;
  let out = '';
  let bytes = 0;
  for (const ch of head) {
    if (!isPrintable(ch)) continue;
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrintable(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}
