/** Fixture builders for the resource-model unit tests (like newPod/newReplicaSet in Kubernetes' tests). */
import { resourceByKind, type ResourceInfo } from '../../shared/resources/registry.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { StatusCause } from '../../shared/errors.js';

export function info(kind: string): ResourceInfo {
  const i = resourceByKind(kind);
  if (!i) throw new Error(`no kind ${kind}`);
  return i;
}

type Json = Record<string, unknown>;

export function newPod(spec: Json = {}, meta: Json = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
  };
}

export function podTemplate(labels: Record<string, string> = { app: 'web' }, spec: Json = {}): Json {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec } };
}

export function newDeployment(spec: Json = {}, meta: Json = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate(), ...spec },
  };
}

export function newReplicaSet(spec: Json = {}, meta: Json = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'default', ...meta },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate(), ...spec },
  };
}

export function newService(spec: Json = {}, meta: Json = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
  };
}

export function newObject(kind: string, fields: Json = {}, meta: Json = {}): KObject {
  const i = info(kind);
  return {
    apiVersion: i.group ? `${i.group}/${i.version}` : i.version,
    kind,
    metadata: { name: 'x', ...(i.namespaced ? { namespace: 'default' } : {}), ...meta },
    ...fields,
  };
}

/** Freeze deeply, so a function that mutates its input throws in strict mode. */
export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** `field: reason` for each cause: compact to assert on. */
export function summary(causes: readonly StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.reason}`);
}
