/**
 * Why an apply or a managed-fields update could not be computed, with the HTTP code kube-apiserver
 * answers (400 BadRequest for a bad apply body; 500 for what it does not classify, such as an
 * applied list item without its key). Conflicts are not errors: apply returns them as data.
 */
export class ApplyError extends Error {
  /** `field`: the Kubernetes field path of the value at fault (`status.conditions[0]`), when known. */
  constructor(message: string, readonly code: 400 | 500, readonly field?: string) {
    super(message);
    this.name = 'ApplyError';
  }
}

export function isApplyError(e: unknown): e is ApplyError {
  return e instanceof Error && e.name === 'ApplyError';
}
