/**
 * The items of a list-valued HTTP header (pure): however many times it came and however its items
 * were comma-separated, trimmed, empty ones dropped (RFC 9110 §5.3: repeated fields are one list).
 * Sec-WebSocket-Protocol, X-Stream-Protocol-Version.
 */
export function headerList(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p !== '');
}
