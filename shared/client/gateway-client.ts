/**
 * The gateway client: how services write (DESIGN.md, "Reconciling": every change goes through the
 * gateway with the resourceVersion the writer observed as a precondition). HTTP/1.1 with keep-alive
 * over one undici Pool. Failures are the ApiErrors the gateway raised (isConflict, isNotFound,
 * isAlreadyExists from shared/errors.ts work on them); an unreachable gateway is an ApiError
 * `ServiceUnavailable` whose cause is the network error (see isRetryable).
 *
 * Several gateways serve one cluster: `url` may list them, comma-separated. The client sticks to one
 * and moves to the next when a request cannot reach it: any request whose connection was refused
 * or could not be made (it never reached a gateway, so it cannot have been applied), and a GET
 * whatever the network error. A write that failed after it was sent is not sent again (a POST with
 * generateName would create a second object): its caller sees ServiceUnavailable as before.
 */
import { Pool } from 'undici';
import { ApiError, badRequest } from '../errors.js';
import type { KObject } from '../resources/meta.js';
import { resourceByKey, apiVersionOf, type ResourceInfo } from '../resources/registry.js';
import type {
  ConfigMap,
  Deployment,
  Endpoints,
  Event,
  Lease,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Secret,
  ServiceAccount,
  Service,
} from '../resources/types.js';
import type { GatewayCredentials } from '../config.js';
import { collectionPath, objectPath } from './paths.js';
import { errorFromResponse } from './status-error.js';

export interface GatewayClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080, or several gateways' comma-separated (failover in that order). */
  readonly url: string;
  /** Keep-alive connections in the pool (default 8). */
  readonly connections?: number;
  /** Time to wait for response headers, ms (default 30 000). undici checks it about once a second. */
  readonly timeoutMs?: number;
  /** A whole request (headers and body) is given up after this long, to the millisecond (default: no such limit). */
  readonly deadlineMs?: number;
  readonly userAgent?: string;
  /** TLS trust and the credential sent (a client certificate, or a bearer token). */
  readonly credentials?: GatewayCredentials;
}

export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  /** `0`: any projection state will do (no wait for the projector). */
  readonly resourceVersion?: string;
}

export interface ObjectList<T> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly resourceVersion?: string; readonly continue?: string; readonly remainingItemCount?: number };
  readonly items: T[];
}

export interface DeleteOptions {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** autoscaling/v1 Scale, as served under `/scale`. */
export interface Scale extends KObject {
  readonly apiVersion: 'autoscaling/v1';
  readonly kind: 'Scale';
  readonly spec: { readonly replicas: number };
  readonly status: { readonly replicas: number; readonly selector?: string };
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Errors that mean the request never reached a gateway (safe to send elsewhere, whatever the method). */
const NOT_SENT: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(e: unknown): string | undefined {
  for (let x = e as { code?: unknown; cause?: unknown } | undefined, i = 0; x && i < 4; x = x.cause as typeof x, i++) {
    if (typeof x.code === 'string') return x.code;
  }
  return undefined;
}

/** Split a URL list (`http://a:8080,http://b:8080`) into base URLs without trailing slashes. */
export function gatewayUrls(url: string): string[] {
  const urls = url
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  if (!urls.length) throw badRequest('no gateway URL');
  return urls;
}

export class GatewayClient {
  /** The gateway in use now (the first of the list until one fails). */
  get url(): string {
    return this.urls[this.current]!;
  }
  readonly urls: readonly string[];
  private readonly pools: Pool[];
  private current = 0;
  private readonly deadlineMs: number | undefined;
  readonly userAgent: string;
  private readonly clients = new Map<string, ResourceClient<KObject>>();
  private readonly authorization: string | undefined;
  /** What this client authenticates with (another client for the same identity copies it). */
  readonly credentials: GatewayCredentials | undefined;

  constructor(opts: GatewayClientOptions) {
    this.urls = gatewayUrls(opts.url);
    const timeout = opts.timeoutMs ?? 30_000;
    const c = opts.credentials;
    this.credentials = c;
    const tls = c && (c.caPem || c.certPem) ? { ...(c.caPem ? { ca: c.caPem } : {}), ...(c.certPem && c.keyPem ? { cert: c.certPem, key: c.keyPem } : {}) } : undefined;
    this.authorization = c?.token ? `Bearer ${c.token}` : undefined;
    this.pools = this.urls.map(
      (u) =>
        new Pool(u, {
          connections: opts.connections ?? 8,
          keepAliveTimeout: 30_000,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          ...(tls ? { connect: tls } : {}),
        }),
    );
    this.userAgent = opts.userAgent ?? 'jetkube-client';
    this.deadlineMs = opts.deadlineMs;
  }

  /** A typed client for one resource: its plural (`pods`, `deployments`, …), or `<plural>.<group>` for a CRD's kind (resourceKey). */
  resource<T extends KObject = KObject>(plural: string): ResourceClient<T> {
    let c = this.clients.get(plural);
    if (!c) {
      const info = resourceByKey(plural);
      if (!info) throw badRequest(`unknown resource "${plural}"`);
      c = new ResourceClient<KObject>(this, info);
      this.clients.set(plural, c);
    }
    return c as unknown as ResourceClient<T>;
  }

  get namespaces(): ResourceClient<Namespace> {
    return this.resource<Namespace>('namespaces');
  }
  get nodes(): ResourceClient<Node> {
    return this.resource<Node>('nodes');
  }
  get pods(): ResourceClient<Pod> {
    return this.resource<Pod>('pods');
  }
  get services(): ResourceClient<Service> {
    return this.resource<Service>('services');
  }
  get endpoints(): ResourceClient<Endpoints> {
    return this.resource<Endpoints>('endpoints');
  }
  get configMaps(): ResourceClient<ConfigMap> {
    return this.resource<ConfigMap>('configmaps');
  }
  get secrets(): ResourceClient<Secret> {
    return this.resource<Secret>('secrets');
  }
  get serviceAccounts(): ResourceClient<ServiceAccount> {
    return this.resource<ServiceAccount>('serviceaccounts');
  }
  get events(): ResourceClient<Event> {
    return this.resource<Event>('events');
  }
  get replicaSets(): ResourceClient<ReplicaSet> {
    return this.resource<ReplicaSet>('replicasets');
  }
  get deployments(): ResourceClient<Deployment> {
    return this.resource<Deployment>('deployments');
  }
  get leases(): ResourceClient<Lease> {
    return this.resource<Lease>('leases');
  }

  /** Assign a pod to a node (POST pods/{name}/binding). A pod already bound answers 409 Conflict. */
  async bind(namespace: string, podName: string, nodeName: string): Promise<void> {
    const pods = resourceByKey('pods')!;
    await this.request('POST', objectPath(pods, namespace, podName, 'binding'), {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: podName, namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  /** One HTTP call; the parsed JSON answer, or an ApiError. */
  async request<R = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<R> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.authorization) headers.authorization = this.authorization;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = contentType;
    }
    let statusCode = 0;
    let text = '';
    // Each gateway at most once, starting with the one in use.
    for (let tried = 0; ; tried++) {
      const i = this.current;
      try {
        const signal = this.deadlineMs !== undefined ? AbortSignal.timeout(this.deadlineMs) : undefined;
        const res = await this.pools[i]!.request({ method: method as 'GET', path, headers, body: payload, ...(signal ? { signal } : {}) });
        statusCode = res.statusCode;
        text = await res.body.text();
        break;
      } catch (e) {
        const failover = tried + 1 < this.urls.length && (method === 'GET' || NOT_SENT.has(errorCode(e) ?? ''));
        if (!failover) {
          throw new ApiError('ServiceUnavailable', `${method} ${path}: gateway unreachable: ${(e as Error).message}`, undefined, { cause: e });
        }
        // Another request may have moved on already; only move from the gateway that failed.
        if (this.current === i) this.current = (i + 1) % this.urls.length;
      }
    }
    let parsed: unknown = text;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
    }
    if (statusCode < 200 || statusCode > 299) throw errorFromResponse(statusCode, parsed, `${method} ${path}`);
    return (text ? parsed : undefined) as R;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }
}

/** CRUD on one resource. `namespace` is ignored for cluster-scoped kinds. */
export class ResourceClient<T extends KObject> {
  constructor(
    private readonly client: GatewayClient,
    readonly info: ResourceInfo,
  ) {}

  private ns(namespace: string | undefined): string | undefined {
    return this.info.namespaced ? namespace || undefined : undefined;
  }

  /** Create; `namespace` defaults to obj.metadata.namespace. apiVersion and kind are filled in when missing. */
  async create(namespace: string | undefined, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = this.ns(namespace ?? obj.metadata.namespace);
    if (this.info.namespaced && !ns) throw badRequest(`${this.info.plural} are namespaced: a namespace is required`);
    const body = { ...obj, apiVersion: obj.apiVersion || apiVersionOf(this.info), kind: obj.kind || this.info.kind };
    return await this.client.request<T>('POST', collectionPath(this.info, ns) + writeQuery(opts), body);
  }

  async get(namespace: string | undefined, name: string): Promise<T> {
    return await this.client.request<T>('GET', objectPath(this.info, this.ns(namespace), name));
  }

  /** One page (or everything, without `limit`); `namespace` undefined lists all namespaces. */
  async list(namespace?: string, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const q = queryString({
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit,
      continue: opts.continue,
      resourceVersion: opts.resourceVersion,
    });
    return await this.client.request<ObjectList<T>>('GET', collectionPath(this.info, this.ns(namespace)) + q);
  }

  /** Every page of a list, following continue tokens. */
  async listAll(namespace?: string, opts: Omit<ListOptions, 'continue'> = {}): Promise<T[]> {
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.list(namespace, { ...opts, ...(cont ? { continue: cont } : {}) });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
    } while (cont);
    return items;
  }

  /** PUT the object; its metadata.resourceVersion is the precondition (stale → 409 Conflict). */
  async update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return await this.client.request<T>('PUT', this.pathOf(obj) + writeQuery(opts), obj);
  }

  /** PUT /status: only status changes; metadata.resourceVersion is the precondition. */
  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    this.requireSub('status');
    return await this.client.request<T>('PUT', this.pathOf(obj, 'status') + writeQuery(opts), obj);
  }

  /** A merge (RFC 7386), JSON (RFC 6902) or strategic merge patch; `metadata.resourceVersion` in a merge patch is a precondition. */
  async patch(
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    opts: WriteOptions & { readonly subresource?: 'status' } = {},
  ): Promise<T> {
    if (opts.subresource) this.requireSub(opts.subresource);
    const path = objectPath(this.info, this.ns(namespace), name, opts.subresource) + writeQuery(opts);
    return await this.client.request<T>('PATCH', path, patch, PATCH_CONTENT_TYPES[type]);
  }

  /** Delete; answers the object as it is after the call (with deletionTimestamp while finalizers remain). */
  async delete(namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<T> {
    const body = {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}),
      ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
      ...(opts.dryRun ? { dryRun: ['All'] } : {}),
    };
    return await this.client.request<T>('DELETE', objectPath(this.info, this.ns(namespace), name), body);
  }

  async getScale(namespace: string | undefined, name: string): Promise<Scale> {
    this.requireSub('scale');
    return await this.client.request<Scale>('GET', objectPath(this.info, this.ns(namespace), name, 'scale'));
  }

  /** Set spec.replicas through /scale; `resourceVersion` (optional) is the precondition. */
  async updateScale(namespace: string | undefined, name: string, replicas: number, resourceVersion?: string): Promise<Scale> {
    this.requireSub('scale');
    const body = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, ...(namespace ? { namespace } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
      spec: { replicas },
    };
    return await this.client.request<Scale>('PUT', objectPath(this.info, this.ns(namespace), name, 'scale'), body);
  }

  private pathOf(obj: T, sub?: string): string {
    const name = obj.metadata.name;
    if (!name) throw badRequest(`the ${this.info.kind} has no metadata.name`);
    return objectPath(this.info, this.ns(obj.metadata.namespace), name, sub);
  }

  private requireSub(sub: 'status' | 'scale'): void {
    if (!this.info.subresources.includes(sub)) throw badRequest(`${this.info.plural} have no ${sub} subresource`);
  }
}

function writeQuery(opts: WriteOptions): string {
  return queryString({ dryRun: opts.dryRun ? 'All' : undefined, fieldValidation: opts.fieldValidation });
}
