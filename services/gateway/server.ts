/**
 * The gateway: Kubernetes' REST API over the event log (writes, gets, watches) and the Postgres
 * projections (lists). The only writer of resource events.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import type { EventLog } from '../../shared/eventlog/index.js';
import { ApiError, badRequest, isApiError, isAlreadyExists } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod, ServiceAccount } from '../../shared/resources/types.js';
import { apiVersionOf, resourceByPlural, type ResourceInfo } from '../../shared/resources/registry.js';
import { strategyOf } from '../../shared/resources/strategy.js';
import { readCheckpoint, type Database } from '../../shared/db/index.js';
import { ObjectStore } from './store.js';
import { parsePath, type Target } from './paths.js';
import { SYSTEM_NAMESPACES } from '../../shared/resources/system-namespaces.js';
import { patchTypeOf } from './patch.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, VERSION_INFO } from './discovery.js';
import { openApiV3Doc, openApiV3Root } from './openapi.js';
import { openApiV2Response } from './openapi-v2/index.js';
import { CheckpointTracker } from './checkpoint.js';
import { Reads } from './reads.js';
import { deleteOptions, evictionBody, isTrue, patchOptions, writeOptions } from './request-options.js';
import { NamespaceCache } from './namespaces.js';
import { Allocator } from './allocator.js';
import { parseBlockRange } from './cidr.js';
import { DEFAULT_CLUSTER_POD_CIDR, NodePodCidrs } from './node-cidrs.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, parseServiceIpRange, ServiceAllocations } from './service-ips.js';
import { ReservationSet } from './reservations.js';
import { LogProxy } from './logs.js';
import { ExecProxy } from './exec.js';
import { routeUpgrade } from './watch-websocket.js';
import { PortForwardProxy } from './portforward.js';
import { asTable, tableContentType, tableRequest } from './table.js';
import { decodeJson, decodeYaml } from './decode.js';
import { parseQuery, rawQuery, type Query, type RawQuery } from './query.js';
import { checkTarget } from './target-check.js';
import { onClientError, onConnect } from './client-errors.js';
import { decodeProtobufRequest, PROTOBUF_CONTENT_TYPE } from './protobuf/index.js';
import { BODY_LIMIT, sendError } from './error-mapping.js';
import { evictPod, type EvictionDeps } from './eviction.js';
import { CrdWatch } from '../../shared/crd-watch.js';
import { crdEventHandler } from './crds.js';
import type { PodDisruptionBudget } from '../../shared/resources/pdb.js';
import { admitPod } from './pod-admission.js';
import { admitServiceAccount, podServiceAccountName, randomSuffix } from './service-account-admission.js';
import { admitDefaultIngressClass } from './ingress-admission.js';
import type { IngressClass } from '../../shared/resources/ingress.js';
import { registerHistoryRoutes } from './history/api.js';
import { registerConsole } from './console.js';
import { authConfigFromEnv, type AuthConfig } from '../../shared/auth/authn/index.js';
import { pkiConfigFromEnv } from '../../shared/config.js';
import { authenticateRequest, gatewayAuthn, installAuthentication, type GatewayAuthn } from './authn.js';
import { registerAuthenticationApi } from './authn-api.js';
import { actingUser, alwaysAllow, escalationAdmission, nodeRestrictionAdmission, installAuthorization, installNodeAuthorizer, InformerPolicyCache, rbacAuthorizer, upgradeGate, userOf, type AuthorizationMode, type NodeAdmission } from './authz/index.js';
import { AUDIT_ID_HEADER, auditId, requestAuthor, runAs } from './write-context.js';
import { MetricsApi, metricsApiGroup, metricsApiResourceList } from './metrics-api.js';
import { METRICS_GROUP, METRICS_VERSION } from '../../shared/metrics/types.js';
import { hpaResponseToV1, hpaV1ToV2 } from '../../shared/resources/hpa-v1.js';

export { BODY_LIMIT } from './error-mapping.js';

/** The objects a ServiceAccount token names, by kind. */
const BOUND_PLURALS = { ServiceAccount: 'serviceaccounts', Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const;


export interface GatewayDeps {
  readonly cfg: Config;
  readonly log: EventLog;
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly clock?: () => Date;
  /** Interval between watch bookmarks. */
  readonly bookmarkIntervalMs?: number;
  /** The range node pod CIDRs (one /24 each) are allocated from; default 127.64.0.0/10. */
  readonly clusterPodCidr?: string;
  /** The range service cluster IPs are allocated from; default 127.10.0.0/16. */
  readonly serviceClusterIpRange?: string;
  /** TLS (secure mode): the serving certificate and key, and the CA client certificates are verified against. */
  readonly https?: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Authentication (authn.ts); default: the environment's (JETKUBE_AUTH, default off: every request is system:admin). */
  readonly authn?: GatewayAuthn;
  /** The settings authn is made from when not given (default: the environment's). */
  readonly authConfig?: AuthConfig;
  /** AlwaysAllow (default) or RBAC (authz/): who may do what. */
  readonly authorizationMode?: AuthorizationMode;
  /** metrics.k8s.io: scrape the kubelets at most this often (default 15 s). */
  readonly metricsResolutionMs?: number;
  /** ServiceAccount admission (default on; DISABLE_ADMISSION_PLUGINS=ServiceAccount turns it off): service-account-admission.ts. */
  readonly serviceAccountAdmission?: boolean;
  /** NodeRestriction admission (default on; DISABLE_ADMISSION_PLUGINS=NodeRestriction turns it off): authz/node-restriction.ts. */
  readonly nodeRestriction?: boolean;
}

export async function buildGateway(deps: GatewayDeps): Promise<{ app: FastifyInstance; store: ObjectStore; tracker: CheckpointTracker }> {
  const { log, db, logger } = deps;
  const podRange = parseBlockRange(deps.clusterPodCidr ?? DEFAULT_CLUSTER_POD_CIDR);
  const namespaces = new NamespaceCache(log);
  await namespaces.start();
  const serviceRange = parseServiceIpRange(deps.serviceClusterIpRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE);
  const allocator = new Allocator(log);
  const reservations = new ReservationSet([new NodePodCidrs(allocator, podRange), new ServiceAllocations(allocator, serviceRange)]);
  // Reads is made below; the admission only runs on requests, after it exists.
  let readsRef: Reads | undefined;
  const saAdmission = deps.serviceAccountAdmission !== false;
  const store: ObjectStore = new ObjectStore(log, deps.clock, namespaces, reservations, async (info, ns, obj) => {
    const admitted = admitPod(info, obj);
    const withSa = saAdmission && info.kind === 'Pod' && info.group === '' ? await admitPodServiceAccount(store, ns, admitted) : admitted;
    return admitDefaultIngressClass(info, withSa, async () => (await readsRef!.consistentList(resourceByPlural('ingressclasses')!, '', {} as Query, false)).result.items as IngressClass[]);
  });
  const logs = new LogProxy(store);
  // CRDs: their kinds served from the stream, their status and deletion handled (crds.ts).
  const crdEvents = crdEventHandler(store, log, logger, deps.clock);
  const crdWatch = new CrdWatch(log, logger, (ev, r) => crdEvents.handle(ev, r));
  await crdWatch.start();
  // RBAC decides from the Roles and bindings four informers keep in memory (authz/policy-cache.ts).
  const policyCache = deps.authorizationMode === 'RBAC' ? new InformerPolicyCache(log, logger.child({ component: 'rbac' })) : undefined;
  await policyCache?.start();
  const authz = policyCache ? rbacAuthorizer(policyCache) : alwaysAllow();
  const now = deps.clock ?? (() => new Date());
  const tracker = new CheckpointTracker(log.nc, deps.cfg.prefix, () => readCheckpoint(db));
  tracker.start();
  const registry = deps.registry ?? new Registry();
  if (!deps.registry) collectDefaultMetrics({ register: registry, prefix: 'jetkube_gateway_' });
  const requests = new Counter({
    name: 'jetkube_gateway_requests_total',
    help: 'API requests by verb, resource and HTTP code',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'jetkube_gateway_request_duration_seconds',
    help: 'API request latency by verb and resource (watches excluded)',
    labelNames: ['verb', 'resource'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const watchDelay = new Histogram({
    name: 'jetkube_gateway_watch_event_delay_seconds',
    help: 'Watch events stored after their watch started: seconds from stored on the stream to written to the client',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const reads = new Reads({ log, db, tracker, bookmarkIntervalMs: deps.bookmarkIntervalMs ?? 15_000, now, onWatchDelivered: (s) => watchDelay.observe(s) });
  readsRef = reads;
  const metricsApi = new MetricsApi({ reads, now, logger: logger.child({ component: 'metrics' }), ...(deps.metricsResolutionMs ? { resolutionMs: deps.metricsResolutionMs } : {}) });
  const eviction: EvictionDeps = {
    store,
    now,
    listBudgets: async (ns) => (await reads.consistentList(resourceByPlural('poddisruptionbudgets')!, ns, {} as Query, false)).result.items as PodDisruptionBudget[],
  };

  const authn =
    deps.authn ??
    (await gatewayAuthn(deps.authConfig ?? authConfigFromEnv(), pkiConfigFromEnv(process.env, deps.cfg.prefix).dataDir, {
      now,
      liveUid: async (kind, ns, name) => {
        const o = (await store.getLive(resourceByPlural(BOUND_PLURALS[kind])!, ns, name))?.object;
        return o && !(kind === 'Pod' && o.metadata.deletionTimestamp) ? o.metadata.uid : undefined;
      },
    }));
  // Upgrades (exec, attach, port-forward) skip fastify's hooks: the exec proxy authenticates, then authorizes, each.
  const execs = new ExecProxy(store, logger.child({ component: 'exec' }), upgradeGate(authz, (req) => authenticateRequest(authn, req)));
  const portForwards = new PortForwardProxy(store, logger.child({ component: 'portforward' }));
  if (authn.config.secure && !deps.https) throw new Error('authentication is on (JETKUBE_AUTH=on) but the gateway has no TLS certificate');
  const app = Fastify({
    ...(deps.https ? { https: { cert: deps.https.cert, key: deps.https.key, ca: deps.https.ca, requestCert: true, rejectUnauthorized: false } } : {}),
    loggerInstance: logger.child({ component: 'http' }) as unknown as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    // The query text is decoded by parseQuery alone; a URL the router cannot decode is a Status too.
    routerOptions: { querystringParser: rawQuery },
    frameworkErrors: (err, req, reply) => sendError(err, req, reply),
    clientErrorHandler: onClientError,
    // The request id is the audit id: the client's Audit-ID header if it sent one, else a UUID.
    genReqId: (req) => auditId(req.headers['audit-id']),
  }) as unknown as FastifyInstance;

  // ---- the request's audit id (kube-apiserver's Audit-Id response header), on every answer.
  app.addHook('onRequest', async (req, reply) => {
    void reply.header(AUDIT_ID_HEADER, String(req.id));
  });

  // ---- who: request.user on every request, first (authn.ts); a missing or bad credential is 401.
  installAuthentication(app, authn, logger.child({ component: 'authn' }));

  // ---- bodies: JSON and YAML for objects, the three patch types; anything else is 415.
  // decode.ts: lone surrogates → U+FFFD, a nesting bound, no __proto__ (each a 400).
  const parseJson = (_req: FastifyRequest, body: string, done: (err: Error | null, v?: unknown) => void) => {
    try {
      done(null, decodeJson(body));
    } catch (e) {
      done(isApiError(e) ? e : badRequest(`invalid JSON in request body: ${(e as Error).message}`));
    }
  };
  app.removeAllContentTypeParsers();
  for (const ct of ['application/json', 'application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json']) {
    app.addContentTypeParser(ct, { parseAs: 'string' }, parseJson);
  }
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'application/apply-patch+yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, decodeYaml(body as string));
    } catch (e) {
      done(isApiError(e) ? e : badRequest(`invalid YAML in request body: ${(e as Error).message.split('\n')[0]}`));
    }
  });

  // Kubernetes protobuf (kubectl's typed clients send it): decoded to the same JSON object.
  app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, decodeProtobufRequest(req.method, req.url, body as Buffer));
    } catch (e) {
      done(e as Error);
    }
  });

  // ---- errors as Kubernetes Status objects (client-errors.ts: what Node answers before fastify).
  app.server.on('connect', onConnect);
  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send(new ApiError('NotFound', 'the server could not find the requested resource').toStatus());
  });

  // ---- impersonation and authorization, before any body is read; the authorization.k8s.io reviews.
  installAuthorization(app, authz, registry);
  // Kubernetes' Node authorizer (read side), with RBAC: a node reads only what its pods refer to.
  if (authz.mode === 'RBAC' && deps.nodeRestriction !== false) {
    const pods = resourceByPlural('pods')!;
    installNodeAuthorizer(app, async (node, ns) => (await reads.consistentList(pods, ns, { fieldSelector: `spec.nodeName=${node}` } as Query, false)).result.items as Pod[]);
  }
  // Answers to autoscaling/v1 requests: the stored v2 objects as v1 shows them.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!(req as FastifyRequest & { convertToV1?: boolean }).convertToV1) return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    try {
      return JSON.stringify(hpaResponseToV1(JSON.parse(payload.toString())));
    } catch {
      return payload;
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const { verb, resource, longRunning } = (req as FastifyRequest & { jk?: { verb: string; resource: string; longRunning?: boolean } }).jk ?? { verb: req.method, resource: '' };
    requests.inc({ verb, resource, code: String(reply.statusCode) });
    if (verb !== 'WATCH' && !longRunning) latency.observe({ verb, resource }, reply.elapsedTime / 1000);
  });

  // ---- health, metrics, discovery.
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send(log.nc.isClosed() ? 'nats closed' : 'ok'));
  app.get('/livez', async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_req, reply) => {
    const problems: string[] = [];
    if (!log.connected()) problems.push('nats: not connected');
    try {
      await readCheckpoint(db);
    } catch (e) {
      problems.push(`postgres: ${(e as Error).message}`);
    }
    return reply.code(problems.length ? 503 : 200).type('text/plain').send(problems.length ? problems.join('\n') : 'ok');
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/version', async () => VERSION_INFO);
  app.get('/api', async () => apiVersions());
  app.get('/apis', async () => {
    const list = apiGroupList() as { groups: object[] };
    return { ...list, groups: [...list.groups, metricsApiGroup()] };
  });
  app.get('/openapi/v2', async (req, reply) => {
    const r = openApiV2Response(req.headers.accept, req.headers['if-none-match']);
    return reply.code(r.status).headers(r.headers).send(r.body);
  });
  app.get('/openapi/v3', async () => openApiV3Root());
  app.get('/openapi/v3/*', async (req, reply) => {
    const gv = req.url.split('?')[0]!.replace(/^\/openapi\/v3\/(api\/|apis\/)?/, '');
    const doc = openApiV3Doc(gv);
    if (!doc) throw new ApiError('NotFound', 'the server could not find the requested resource');
    return reply.type('application/json').send(doc);
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0]!.replace(/\/+$/, '');
    const segs = path.split('/').filter(Boolean);
    // metrics.k8s.io: served from the kubelets' measurements (metrics-api.ts), not from the log.
    if (segs[0] === 'apis' && segs[1] === METRICS_GROUP) {
      (req as FastifyRequest & { jk?: object }).jk = { verb: 'GET', resource: 'metrics' };
      if (segs.length === 2 && req.method === 'GET') return metricsApiGroup();
      if (segs[2] !== METRICS_VERSION) throw new ApiError('NotFound', 'the server could not find the requested resource');
      if (segs.length === 3 && req.method === 'GET') return metricsApiResourceList();
      return metricsApi.serve(req, reply, segs.slice(3), parseQuery(req.query as RawQuery));
    }
    if (req.method === 'GET') {
      if (path === '/api/v1') return apiResourceList('v1');
      if (segs[0] === 'apis' && segs.length === 2) {
        const g = apiGroup(segs[1]!) as { versions: unknown[] };
        if (g.versions.length) return g;
      }
      if (segs[0] === 'apis' && segs.length === 3) {
        const l = apiResourceList(`${segs[1]}/${segs[2]}`);
        if (l) return l;
      }
    }
    const parsed = parsePath(path);
    if (parsed.type === 'invalid') throw badRequest(parsed.message);
    if (parsed.type === 'notfound') throw new ApiError('NotFound', 'the server could not find the requested resource');
    return serve(req, reply, parsed.target);
  };
  // history.jetkube.io/v1 (history/api.ts): its routes are more specific than /apis/*.
  registerHistoryRoutes(app, { db, log, tracker, reads, now, authz });
  registerAuthenticationApi(app, authn, store, now, deps.nodeRestriction !== false);
  // The web console at /ui (console.ts): static files; it reads the API above like any client.
  await registerConsole(app);
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/api/*', handler });
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/apis/*', handler });

  // ---- the resource verbs.
  // Every write a request makes carries its author (write-context.ts): who, as whom, with which
  // field manager and user agent, in which request (its Audit-Id).
  async function serve(req: FastifyRequest, reply: FastifyReply, t: Target): Promise<unknown> {
    const q = parseQuery(req.query as RawQuery);
    const ua = req.headers['user-agent'];
    const author = requestAuthor({ requester: userOf(req), acting: actingUser(req), fieldManager: q.fieldManager, userAgent: ua, requestId: String(req.id) });
    return runAs(author, () => serveAs(req, reply, t, q));
  }

  async function serveAs(req: FastifyRequest, reply: FastifyReply, t: Target, q: Query): Promise<unknown> {
    checkTarget(t);
    const { info, namespace: ns, name, subresource: sub } = t;
    // A second version served by conversion (autoscaling/v1 HPAs): bodies in, objects out.
    if (t.requestVersion) {
      if (req.method === 'PATCH' || isTrue(q.watch)) {
        throw new ApiError('MethodNotAllowed', `jetkube serves ${info.plural}.${info.group}/${t.requestVersion} for create, get, list, update and delete; patch and watch them through ${info.group}/${info.version}`);
      }
      if (req.method === 'POST' || req.method === 'PUT') req.body = hpaV1ToV2(req.body);
      (req as FastifyRequest & { convertToV1?: boolean }).convertToV1 = true;
    }
    const mark = (verb: string, longRunning = false) =>
      ((req as FastifyRequest & { jk?: object }).jk = { verb, resource: sub ? `${info.plural}/${sub}` : info.plural, longRunning });
    // exec and attach are WebSocket upgrades (exec.ts): a plain request cannot stream.
    if (info.plural === 'pods' && name && (sub === 'exec' || sub === 'attach')) throw badRequest('Upgrade request required');
    if (sub && !info.subresources.includes(sub as never) && !(info.kind === 'Namespace' && sub === 'finalize')) {
      throw new ApiError('NotFound', 'the server could not find the requested resource');
    }
    // Validating admission: RBAC escalation, then NodeRestriction (a node writes only what is its own).
    const escalation = escalationAdmission(authz, req, info, ns);
    const node = deps.nodeRestriction !== false ? nodeRestrictionAdmission(req, info, ns, name, sub) : undefined;
    const admit = escalation || node ? (obj: KObject, old?: KObject) => {
      escalation?.(obj, old);
      node?.(old ? 'update' : 'create', obj, old);
    } : undefined;
    const wopts = { ...writeOptions(q, req.headers['user-agent']), ...(admit ? { admit } : {}) };
    // A deprecated version warns on every request to it (a watch's hijacked reply too: set on the raw response).
    const deprecation = info.deprecationWarning !== undefined ? [info.deprecationWarning] : [];
    if (deprecation.length) reply.raw.setHeader('Warning', warningHeader(deprecation));
    const send = (code: number, obj: unknown, warnings: readonly string[] = []) => {
      if (warnings.length) void reply.header('Warning', warningHeader([...deprecation, ...warnings]));
      return reply.code(code).type('application/json').send(obj);
    };
    // Reads answer a meta.k8s.io Table when the Accept header asks for one (kubectl get does).
    const table = req.method === 'GET' && !sub ? tableRequest(req.headers.accept, q.includeObject) : undefined;
    const read = (body: object) => {
      if (!table) return body;
      // Sent as bytes: fastify would rewrite the media type's parameters (quoting them, adding a charset).
      return reply.header('content-type', tableContentType(table)).send(Buffer.from(JSON.stringify(asTable(info, body, table, now()))));
    };

    if (!name) {
      switch (req.method) {
        case 'GET':
          if (isTrue(q.watch)) {
            mark('WATCH');
            return reads.watch(req, reply, info, ns, q, table);
          }
          mark('LIST');
          if (!table && !t.requestVersion) return reply.header('content-type', 'application/json; charset=utf-8').send(await reads.listJson(info, ns, q));
          return read(await reads.list(info, ns, q));
        case 'POST': {
          mark('CREATE');
          if (info.namespaced && !ns) throw new ApiError('MethodNotAllowed', `create is not supported on ${info.plural} across all namespaces; use /namespaces/<ns>/${info.plural}`);
          const r = await store.create(info, ns, req.body, wopts);
          return send(201, r.object, r.warnings);
        }
        case 'DELETE': {
          mark('DELETECOLLECTION');
          return send(200, await deleteCollection(info, ns, q, req.body, node), defaultPropagationWarnings(info, deleteOptions(q, req.body)));
        }
        default:
          throw methodNotAllowed(req.method, info);
      }
    }

    // Binding and Eviction are create-only subresources.
    if ((sub === 'binding' || sub === 'eviction') && req.method !== 'POST') throw methodNotAllowed(req.method, info);
    switch (req.method) {
      case 'GET':
        if (sub === 'log') {
          mark('GET', isTrue(q.follow));
          return logs.serve(reply, ns, name, q);
        }
        mark('GET');
        if (sub === 'scale') return store.getScale(info, ns, name);
        return read(await store.get(info, ns, name));
      case 'POST':
        if (sub === 'binding') {
          mark('CREATE');
          node?.('create');
          await store.bind(ns, name, req.body);
          return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        if (sub === 'eviction') {
          // policy/v1 Eviction: honours the PodDisruptionBudgets selecting the pod (eviction.ts).
          mark('CREATE');
          const ev = evictionBody(req.body, name);
          if (node) node('create', undefined, await store.get(info, ns, name));
          const outcome = await evictPod(eviction, ns, name, deleteOptions({ ...(q.dryRun !== undefined ? { dryRun: q.dryRun } : {}) } as Query, ev.deleteOptions));
          if (!outcome.evicted) return send(outcome.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: outcome.message, code: outcome.code });
          return send(201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        throw methodNotAllowed(req.method, info);
      case 'PUT': {
        mark('UPDATE');
        if (sub === 'scale') return store.updateScale(info, ns, name, req.body, wopts);
        const r = await store.update(info, ns, name, req.body, wopts, sub as 'status' | 'finalize' | undefined);
        return send(200, r.object, r.warnings);
      }
      case 'PATCH': {
        mark('PATCH');
        const type = patchTypeOf(req.headers['content-type']);
        if (!type) throw new ApiError('UnsupportedMediaType', `the patch content type ${req.headers['content-type']} is not supported; use application/apply-patch+yaml, application/merge-patch+json, application/json-patch+json or application/strategic-merge-patch+json`);
        if (type === 'strategic' && strategyOf(info).customResource) {
          throw new ApiError('UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
        }
        const force = patchOptions(q, type);
        if (req.body === undefined) throw badRequest('the patch body is empty');
        if (type === 'apply') {
          if (sub === 'scale') throw new ApiError('UnsupportedMediaType', 'server-side apply is not supported on the scale subresource yet');
          const r = await store.apply(info, ns, name, req.body, { ...wopts, force }, sub as 'status' | undefined);
          return send(200, r.object, r.warnings);
        }
        if (sub === 'scale') return store.patchScale(info, ns, name, type, req.body, wopts);
        const r = await store.patch(info, ns, name, type, req.body, wopts, sub as 'status' | undefined);
        return send(200, r.object, r.warnings);
      }
      case 'DELETE': {
        mark('DELETE');
        const dopts = deleteOptions(q, req.body);
        const obj = await store.delete(info, ns, name, dopts, node && ((old) => node('delete', undefined, old)));
        return send(200, obj, defaultPropagationWarnings(info, dopts));
      }
      default:
        throw methodNotAllowed(req.method, info);
    }
  }

  /** The kind's warning when a delete leaves the propagation to its default (batch/v1 Jobs orphan their pods). */
  function defaultPropagationWarnings(info: ResourceInfo, dopts: { propagationPolicy?: string; orphanDependents?: boolean }): string[] {
    const w = strategyOf(info).defaultPropagation?.warning;
    return w && dopts.propagationPolicy === undefined && dopts.orphanDependents === undefined ? [w] : [];
  }

  async function deleteCollection(info: ResourceInfo, ns: string, q: Query, body: unknown, node?: NodeAdmission): Promise<object> {
    const { result } = await reads.consistentList(info, ns, q, false);
    const dopts = deleteOptions(q, body);
    // Admission first, for every item: a collection delete that would be refused for one item
    // (the system namespaces) is refused before any item is deleted, so a refused request writes nothing.
    const admit = strategyOf(info).admitDelete;
    for (const o of result.items) {
      const refused = admit?.(o.metadata.name ?? '');
      if (refused) throw refused;
      node?.('delete', undefined, o);
    }
    const items: KObject[] = [];
    for (const o of result.items) {
      try {
        items.push(await store.delete(info, o.metadata.namespace ?? '', o.metadata.name!, dopts, node && ((old) => node('delete', undefined, old))));
      } catch (e) {
        if (!(isApiError(e) && e.reason === 'NotFound')) throw e;
      }
    }
    return { kind: `${info.kind}List`, apiVersion: apiVersionOf(info), metadata: {}, items };
  }

  // Before the server waits for open requests: followed logs end only when their upstream does.
  app.addHook('preClose', async () => {
    execs.close();
    portForwards.close();
    await metricsApi.close();
    await logs.close();
  });
  app.addHook('onClose', async () => {
    tracker.stop();
    crdEvents.stop();
    await crdWatch.stop();
    await namespaces.stop();
    await policyCache?.stop();
  });
  execs.attach(app.server, [portForwards], (req, socket, head) => routeUpgrade(app, req, socket, head));
  await app.ready();
  return { app, store, tracker };
}

/** ServiceAccount admission's I/O: the pod's ServiceAccount read live from the stream, then the pure decision. */
async function admitPodServiceAccount(store: ObjectStore, ns: string, obj: KObject): Promise<KObject> {
  const pod = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata?.namespace || ns } } as unknown as Pod;
  if (!pod.spec) return obj; // validation refuses it
  const saName = podServiceAccountName(pod);
  // Like the plugin's live lookup: `default` is made by the ServiceAccount controller right after
  // its namespace, so it is looked up 10 times, 100-200 ms apart, before the pod is refused.
  const attempts = saName === 'default' ? 10 : 1;
  const pause = 100 + Math.floor(Math.random() * 100);
  let sa: Awaited<ReturnType<ObjectStore['getLive']>>;
  for (let i = 0; i < attempts && !sa; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, pause));
    sa = await store.getLive(resourceByPlural('serviceaccounts')!, ns, saName);
  }
  const v = admitServiceAccount(pod, sa?.object as ServiceAccount | undefined, randomSuffix());
  if (!v.ok) throw new ApiError('Forbidden', v.message, { name: pod.metadata.name ?? '', kind: 'pods' });
  return { ...(v.pod as unknown as KObject), metadata: obj.metadata };
}

/** Create the namespaces every cluster has. Idempotent. */
export async function ensureSystemNamespaces(store: ObjectStore): Promise<void> {
  const nsInfo = resourceByPlural('namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    if (await store.getLive(nsInfo, '', name)) continue;
    try {
      await store.create(nsInfo, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
}

/** Warnings as kube-apiserver sends them: `299 - "<text>"`, comma-separated. */
function warningHeader(warnings: readonly string[]): string {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
}

function methodNotAllowed(method: string, info: ResourceInfo): ApiError {
  return new ApiError('MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${info.plural}`);
}
