/**
 * The author of an event, read from its message headers. The gateway does not write these yet (the
 * security work will, once requests are authenticated): until then every revision's author is
 * absent. The header names are this contract.
 */
export const AUTHOR_HEADERS = {
  user: 'Jetkube-User',
  groups: 'Jetkube-Groups',
  fieldManager: 'Jetkube-Field-Manager',
  requestId: 'Jetkube-Request-Id',
} as const;

export interface Author {
  readonly user?: string;
  readonly groups?: readonly string[];
  readonly fieldManager?: string;
  readonly requestId?: string;
}

interface Headers {
  get(k: string): string;
}

/** The author named by a message's headers, or undefined when it names none. */
export function authorOf(h: Headers | undefined): Author | undefined {
  if (!h) return undefined;
  const user = h.get(AUTHOR_HEADERS.user);
  const groups = h.get(AUTHOR_HEADERS.groups);
  const fieldManager = h.get(AUTHOR_HEADERS.fieldManager);
  const requestId = h.get(AUTHOR_HEADERS.requestId);
  if (!user && !groups && !fieldManager && !requestId) return undefined;
  return {
    ...(user ? { user } : {}),
    ...(groups ? { groups: groups.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
    ...(fieldManager ? { fieldManager } : {}),
    ...(requestId ? { requestId } : {}),
  };
}
