/**
 * Which object a protobuf request body must hold, from the request's method and URL, and the
 * decoded body. What the gateway's content-type parser calls.
 */
import { apiVersionOf } from '../../../shared/resources/registry.js';
import { strategyOf } from '../../../shared/resources/strategy.js';
import { ApiError } from '../../../shared/errors.js';
import { parsePath, type Target } from '../paths.js';
import { decodeProtobufBody, type Expected } from './decode.js';
import { reviewOf } from '../authz/reviews.js';

/** The object a write to `t` carries: the resource's kind, or a subresource's own (Scale, Binding). */
export function expectedBody(t: Target): Expected {
  switch (t.subresource) {
    case 'scale':
      return { apiVersion: 'autoscaling/v1', kind: 'Scale' };
    case 'binding':
      return { apiVersion: 'v1', kind: 'Binding' };
    case 'eviction':
      return { apiVersion: 'policy/v1', kind: 'Eviction' };
    case 'token':
      return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' };
    default:
      return { apiVersion: t.requestVersion ? `${t.info.group}/${t.requestVersion}` : apiVersionOf(t.info), kind: t.info.kind };
  }
}

const REVIEWS: Readonly<Record<string, Expected>> = {
  '/apis/authentication.k8s.io/v1/selfsubjectreviews': { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  '/apis/authentication.k8s.io/v1/tokenreviews': { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview' },
};

/**
 * The JSON object of a protobuf body sent with `method` to `url`; undefined where the body is not
 * an object to decode (an unknown path answers 404, a PATCH 415, both in the handler).
 */
export function decodeProtobufRequest(method: string, url: string, body: Uint8Array): Record<string, unknown> | undefined {
  const path = url.split('?')[0]!.replace(/\/+$/, '');
  // Create-only reviews that are no stored kind: authentication's (authn-api.ts), authorization's (authz/).
  const review = REVIEWS[path];
  if (review) return method === 'POST' ? decodeProtobufBody(body, review) : undefined;
  const authzReview = method === 'POST' ? reviewOf(url) : undefined;
  if (authzReview) return decodeProtobufBody(body, { apiVersion: 'authorization.k8s.io/v1', kind: authzReview.kind });
  const parsed = parsePath(path);
  if (parsed.type !== 'resource') return undefined; // unknown or invalid paths are answered by the handler
  switch (method) {
    case 'POST':
    case 'PUT':
      // A CRD's objects have no protobuf form (their /scale's Scale has).
      if (strategyOf(parsed.target.info).customResource && parsed.target.subresource !== 'scale') {
        throw new ApiError('UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml');
      }
      return decodeProtobufBody(body, expectedBody(parsed.target));
    case 'DELETE':
      return body.length ? decodeProtobufBody(body, expectedBody(parsed.target), { deleteOptions: true }) : undefined;
    default:
      return undefined;
  }
}
