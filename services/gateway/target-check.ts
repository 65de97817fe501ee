/**
 * The name and namespace a URL names, checked before any I/O. A name becomes part of a NATS
 * subject, and a subject longer than the server's control line (4 KiB) makes nats-server drop
 * the gateway's connection, failing every request in flight; so nothing that no object could be
 * named ever reaches the log. What kube-apiserver answers is kept:
 *
 * - a name that is not a path segment at all (`.`, `..`, or holding `/` or `%`) is a 400
 *   `Name parameter invalid` (apiserver's key functions, IsValidPathSegmentName);
 * - a name the kind's rule cannot produce (a DNS-1123 subdomain of at most 253 characters for
 *   most kinds) names no object: 404 NotFound, what a GET, update, patch or delete of it finds;
 * - a namespace that is not a DNS-1123 label (at most 63 characters) holds no object: a request
 *   for one object in it is that object's 404; a request on the collection is the namespace's 404
 *   (kube-apiserver's namespace admission answers a create so; it answers a list in such a
 *   namespace with an empty list, here it is the same 404, answered without a read).
 */
import { ApiError, notFound } from '../../shared/errors.js';
import { dns1123LabelErrors } from '../../shared/resources/names.js';
import { objectNameErrors } from '../../shared/resources/validation.js';
import type { Target } from './paths.js';

/** Throws the ApiError a request for `t` gets when its name or namespace cannot exist; else nothing. */
export function checkTarget(t: Target): void {
  const { info, namespace, name } = t;
  if (name !== undefined) {
    const seg = pathSegmentNameErrors(name);
    if (seg.length) throw new ApiError('BadRequest', `Name parameter invalid: ${JSON.stringify(name)}: ${seg.join(';')}`);
    if (objectNameErrors(info.kind, name).length) throw notFound(info.plural, info.group, name);
  }
  if (namespace !== '' && dns1123LabelErrors(namespace).length) {
    throw name !== undefined ? notFound(info.plural, info.group, name) : notFound('namespaces', '', namespace);
  }
}

/** IsValidPathSegmentName: a name that can be one segment of a URL path. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const c of ['/', '%']) if (name.includes(c)) errs.push(`may not contain '${c}'`);
  return errs;
}
