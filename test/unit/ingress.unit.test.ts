/**
 * Ingress and IngressClass: validation as Kubernetes words it, the kubectl columns, the
 * DefaultIngressClass admission, and the ingress controller's routing table (the path-matching
 * examples of kubernetes.io/docs/concepts/services-networking/ingress/#examples, host precedence,
 * conflicts across Ingresses, TLS by SNI).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultClassFor, validateIngress, validateIngressClass, type Ingress, type IngressClass, type IngressSpec } from '../../shared/resources/ingress.js';
import { strategyFor } from '../../shared/resources/strategy.js';
import { resolveResource } from '../../shared/resources/registry.js';
import { admitDefaultIngressClass } from '../../services/gateway/ingress-admission.js';
import { buildRouteTable, certificateFor, hostOf, isOurIngress, matchRoute, CONTROLLER_NAME } from '../../services/ingress/routes.js';
import { withLoadBalancer } from '../../services/ingress/status.js';
import { parseListenAddress } from '../../services/ingress/index.js';
import type { Endpoints, Secret, Service } from '../../shared/resources/types.js';

const NOW = new Date('2024-01-01T00:10:00Z');

function ing(spec: IngressSpec, name = 'web', created = '2024-01-01T00:00:00Z', meta: Record<string, unknown> = {}): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'ns', creationTimestamp: created, ...meta }, spec };
}
const svcBackend = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === 'number' ? { number: port } : { name: port } } });
const rule = (host: string | undefined, ...paths: [string, string, string][]) => ({
  ...(host !== undefined ? { host } : {}),
  http: { paths: paths.map(([path, pathType, svc]) => ({ path, pathType, backend: svcBackend(svc) })) },
});
function cls(name: string, controller = CONTROLLER_NAME, isDefault = false, created = '2024-01-01T00:00:00Z'): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller },
  };
}

describe('Ingress validation (pkg/apis/networking/validation)', () => {
  const cases: [string, IngressSpec, [string, string][]][] = [
    ['a rule with a Prefix path', { rules: [rule('foo.bar.com', ['/foo', 'Prefix', 's'])] }, []],
    ['only a default backend', { defaultBackend: svcBackend('s') }, []],
    ['neither rules nor default backend', {}, [['spec', 'Invalid value: null: either `defaultBackend` or `rules` must be specified']]],
    ['pathType missing', { rules: [{ host: 'a.com', http: { paths: [{ path: '/', backend: svcBackend('s') }] } }] }, [['spec.rules[0].http.paths[0].pathType', 'Required value: pathType must be specified']]],
    ['unknown pathType', { rules: [rule('a.com', ['/', 'Regex', 's'])] }, [['spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']]],
    ['Exact path not absolute', { rules: [rule('a.com', ['foo', 'Exact', 's'])] }, [['spec.rules[0].http.paths[0].path', 'Invalid value: "foo": must be an absolute path']]],
    ['Prefix path with //', { rules: [rule('a.com', ['/a//b', 'Prefix', 's'])] }, [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a//b\": must not contain '//'"]]],
    ['Prefix path ending /..', { rules: [rule('a.com', ['/a/..', 'Prefix', 's'])] }, [['spec.rules[0].http.paths[0].path', "Invalid value: \"/a/..\": cannot end with '/..'"]]],
    ['ImplementationSpecific may be empty', { rules: [rule('a.com', ['', 'ImplementationSpecific', 's'])] }, []],
    ['ImplementationSpecific not absolute', { rules: [rule('a.com', ['x', 'ImplementationSpecific', 's'])] }, [['spec.rules[0].http.paths[0].path', 'Invalid value: "x": must be an absolute path']]],
    ['wildcard host', { rules: [rule('*.foo.com', ['/', 'Prefix', 's'])] }, []],
    ['an IP as host', { rules: [rule('1.2.3.4', ['/', 'Prefix', 's'])] }, [['spec.rules[0].host', 'Invalid value: "1.2.3.4": must be a DNS name, not an IP address']]],
    ['paths required when http is set', { rules: [{ host: 'a.com', http: { paths: [] } }] }, [['spec.rules[0].http.paths', 'Required value']]],
    ['a backend with both resource and service', { defaultBackend: { ...svcBackend('s'), resource: { kind: 'Bucket', name: 'b' } } }, [['spec.defaultBackend', 'Invalid value: "": cannot set both resource and service backends']]],
    ['a backend with neither', { defaultBackend: {} }, [['spec.defaultBackend', 'Invalid value: "": resource or service backend is required']]],
    ['a backend with both port name and number', { defaultBackend: { service: { name: 's', port: { name: 'http', number: 80 } } } }, [['spec.defaultBackend', 'Invalid value: "": cannot set both port name & port number']]],
    ['a backend without a port', { defaultBackend: { service: { name: 's' } } }, [['spec.defaultBackend', 'Required value: port name or number is required']]],
    ['a backend port out of range', { defaultBackend: { service: { name: 's', port: { number: 70000 } } } }, [['spec.defaultBackend.service.port.number', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]],
    ['TLS host with a bad wildcard', { defaultBackend: svcBackend('s'), tls: [{ hosts: ['a.*.com'], secretName: 'tls' }] }, [['spec.tls[0].hosts[0]', "Invalid value: \"a.*.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]]],
  ];
  for (const [name, spec, want] of cases) {
    it(name, () => assert.deepEqual(validateIngress(ing(spec)).map((c) => [c.field, c.message]), want));
  }

  it('a wildcard only as the whole first label of a host', () => {
    for (const host of ['foo.*.com', '*foo.com', 'f*.com', '*.*.com']) {
      const causes = validateIngress(ing({ rules: [rule(host, ['/', 'Prefix', 's'])] }));
      assert.equal(causes.length, 1, host);
      assert.equal(causes[0]!.field, 'spec.rules[0].host');
      assert.match(causes[0]!.message, /a wildcard DNS-1123 subdomain must start with '\*\.'/);
    }
  });

  it('a resource backend is refused (jetkube routes to Services only)', () => {
    const causes = validateIngress(ing({ defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static-assets' } } }));
    assert.deepEqual(causes.map((c) => [c.reason, c.field]), [['FieldValueForbidden', 'spec.defaultBackend.resource']]);
  });

  it('the class annotation must match ingressClassName on create', () => {
    const i = ing({ ingressClassName: 'a', defaultBackend: svcBackend('s') }, 'web', undefined, { annotations: { 'kubernetes.io/ingress.class': 'b' } });
    assert.deepEqual(validateIngress(i).map((c) => c.field), ['annotations.kubernetes.io/ingress.class']);
    assert.deepEqual(validateIngress(i, i), []);
  });
});

describe('IngressClass validation and defaults', () => {
  const ic = (spec: IngressClass['spec']): IngressClass => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec });
  it('controller required and domain-prefixed', () => {
    assert.deepEqual(validateIngressClass(ic({})).map((c) => [c.field, c.message]), [['spec.controller', 'Required value']]);
    assert.deepEqual(validateIngressClass(ic({ controller: 'nginx' })).map((c) => c.message), ['Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    assert.deepEqual(validateIngressClass(ic({ controller: CONTROLLER_NAME })), []);
  });
  it('controller is immutable', () => {
    assert.deepEqual(validateIngressClass(ic({ controller: 'a.io/x' }), ic({ controller: 'b.io/y' })).map((c) => [c.field, c.message]), [['spec.controller', 'Invalid value: "a.io/x": field is immutable']]);
  });
  it('parameters scope defaults to Cluster; Namespace scope needs a namespace', () => {
    const o = { spec: { controller: 'a.io/x', parameters: { kind: 'K', name: 'n' } } } as Record<string, unknown>;
    strategyFor('IngressClass').defaults!(o);
    assert.equal((o.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster');
    const causes = validateIngressClass(ic({ controller: 'a.io/x', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } }));
    assert.deepEqual(causes.map((c) => [c.field, c.message]), [['spec.parameters.namespace', "Required value: `parameters.scope` is set to 'Namespace'"]]);
  });
});

describe('kubectl columns (printIngress, printIngressClass)', () => {
  it('names and short name resolve', () => {
    assert.equal(resolveResource('ing')?.kind, 'Ingress');
    assert.equal(resolveResource('ingressclasses')?.namespaced, false);
  });
  it('Ingress: NAME CLASS HOSTS ADDRESS PORTS AGE', () => {
    const p = strategyFor('Ingress').printer!;
    const i = ing({ ingressClassName: 'jetkube', rules: [rule('a.com', ['/', 'Prefix', 's']), rule('b.com', ['/', 'Prefix', 's']), rule('c.com', ['/', 'Prefix', 's']), rule('d.com', ['/', 'Prefix', 's']), rule('e.com', ['/', 'Prefix', 's'])], tls: [{ hosts: ['a.com'], secretName: 't' }] }, 'web', '2024-01-01T00:00:00Z');
    const withStatus = { ...i, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } } as Ingress;
    assert.deepEqual(p.row(withStatus, NOW), ['web', 'jetkube', 'a.com,b.com,c.com + 2 more...', '127.0.0.1', '80, 443', '10m']);
    assert.deepEqual(p.row(ing({ defaultBackend: svcBackend('s') }), NOW), ['web', '<none>', '*', '', '80', '10m']);
    const many = { ...i, status: { loadBalancer: { ingress: [{ ip: '127.0.0.2' }, { ip: '127.0.0.1' }, { ip: '127.0.0.1' }] } } } as Ingress;
    assert.equal(p.row(many, NOW)[3], '127.0.0.1,127...');
  });
  it('IngressClass: NAME CONTROLLER PARAMETERS AGE', () => {
    const p = strategyFor('IngressClass').printer!;
    assert.deepEqual(p.row(cls('jetkube'), NOW), ['jetkube', CONTROLLER_NAME, '<none>', '10m']);
    const withParams = { ...cls('x'), spec: { controller: 'a.io/b', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } } as IngressClass;
    assert.equal(p.row(withParams, NOW)[2], 'IngressParameters.k8s.example.com/external-lb');
  });
});

describe('DefaultIngressClass admission', () => {
  it('sets the default class only when neither field nor annotation is set', async () => {
    const classes = [cls('other', 'x.io/y'), cls('jetkube', CONTROLLER_NAME, true)];
    const info = resolveResource('ingresses')!;
    const out = (await admitDefaultIngressClass(info, ing({ defaultBackend: svcBackend('s') }), async () => classes)) as Ingress;
    assert.equal(out.spec?.ingressClassName, 'jetkube');
    const named = ing({ ingressClassName: 'other', defaultBackend: svcBackend('s') });
    assert.equal(await admitDefaultIngressClass(info, named, async () => classes), named);
    const annotated = ing({ defaultBackend: svcBackend('s') }, 'w', undefined, { annotations: { 'kubernetes.io/ingress.class': 'other' } });
    assert.equal(((await admitDefaultIngressClass(info, annotated, async () => classes)) as Ingress).spec?.ingressClassName, undefined);
    assert.equal(defaultClassFor(ing({}), [cls('a')]), undefined);
  });
  it('among several defaults the newest wins', () => {
    assert.equal(defaultClassFor(ing({}), [cls('old', CONTROLLER_NAME, true, '2024-01-01T00:00:00Z'), cls('new', CONTROLLER_NAME, true, '2024-01-02T00:00:00Z')]), 'new');
  });
});

// ---------------------------------------------------------------------------------------------
// Routing

function service(name: string, ports: { name?: string; port: number }[] = [{ port: 80 }]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { ports: ports.map((p) => ({ ...p, protocol: 'TCP' as const })) } } as Service;
}
function endpoints(name: string, ips: string[], port = 8080, portName?: string): Endpoints {
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'ns' }, subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ port, ...(portName ? { name: portName } : {}) }] }] };
}
function table(ingresses: Ingress[], extra: { secrets?: Secret[]; classes?: IngressClass[] } = {}) {
  const svcs = new Map<string, Service>();
  const eps = new Map<string, Endpoints>();
  for (const name of ['a', 'b', 'c', 'default', 'empty']) {
    svcs.set(`ns/${name}`, service(name));
    if (name !== 'empty') eps.set(`ns/${name}`, endpoints(name, [`127.0.0.${name.charCodeAt(0) - 96}`]));
  }
  const secrets = new Map((extra.secrets ?? []).map((s) => [`ns/${s.metadata.name}`, s]));
  return buildRouteTable({
    ingresses: ingresses.map((i) => ({ ...i, spec: { ingressClassName: 'jetkube', ...i.spec } })),
    classes: extra.classes ?? [cls('jetkube')],
    service: (k) => svcs.get(k),
    endpoints: (k) => eps.get(k),
    secret: (k) => secrets.get(k),
  });
}
const svcOf = (t: ReturnType<typeof table>, host: string, path: string) => matchRoute(t, host, path)?.target.key.split('/')[1]?.split(':')[0];

describe('path matching: the examples table of the Kubernetes Ingress docs', () => {
  // [kind, paths (type, path), request path, matches?] — kubernetes.io/docs/concepts/services-networking/ingress/#examples
  const examples: [string, [string, string][], string, boolean][] = [
    ['Prefix', [['Prefix', '/']], '/anything/at/all', true],
    ['Exact', [['Exact', '/foo']], '/foo', true],
    ['Exact', [['Exact', '/foo']], '/bar', false],
    ['Exact', [['Exact', '/foo']], '/foo/', false],
    ['Exact', [['Exact', '/foo/']], '/foo', false],
    ['Prefix', [['Prefix', '/foo']], '/foo', true],
    ['Prefix', [['Prefix', '/foo']], '/foo/', true],
    ['Prefix', [['Prefix', '/foo/']], '/foo', true],
    ['Prefix', [['Prefix', '/foo/']], '/foo/', true],
    ['Prefix', [['Prefix', '/aaa/bb']], '/aaa/bbb', false],
    ['Prefix', [['Prefix', '/aaa/bbb']], '/aaa/bbb', true],
    ['Prefix', [['Prefix', '/aaa/bbb/']], '/aaa/bbb', true],
    ['Prefix', [['Prefix', '/aaa/bbb']], '/aaa/bbb/', true],
    ['Prefix', [['Prefix', '/aaa/bbb']], '/aaa/bbb/ccc', true],
    ['Prefix', [['Prefix', '/aaa/bbb']], '/aaa/bbbxyz', false],
    ['Prefix', [['Prefix', '/'], ['Prefix', '/aaa']], '/aaa/ccc', true],
    ['Prefix', [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], '/aaa/bbb', true],
    ['Prefix', [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], '/ccc', true],
    ['Prefix', [['Prefix', '/aaa']], '/ccc', false],
    ['Mixed', [['Prefix', '/foo'], ['Exact', '/foo']], '/foo', true],
  ];
  for (const [kind, paths, req, matches] of examples) {
    it(`${kind} ${paths.map((p) => p[1]).join(', ')} ${matches ? 'matches' : 'does not match'} ${req}`, () => {
      const t = table([ing({ rules: [rule('h.test', ...paths.map(([type, path], i) => [path, type, ['a', 'b', 'c'][i]!] as [string, string, string]))] })]);
      const r = matchRoute(t, 'h.test', req);
      assert.equal(r !== undefined, matches);
    });
  }
  it('the longest matching Prefix wins: /aaa/ccc → /aaa, /aaa/bbb → /aaa/bbb, /ccc → /', () => {
    const t = table([ing({ rules: [rule('h.test', ['/', 'Prefix', 'a'], ['/aaa', 'Prefix', 'b'], ['/aaa/bbb', 'Prefix', 'c'])] })]);
    assert.equal(matchRoute(t, 'h.test', '/aaa/ccc')?.path, '/aaa');
    assert.equal(matchRoute(t, 'h.test', '/aaa/bbb')?.path, '/aaa/bbb');
    assert.equal(matchRoute(t, 'h.test', '/ccc')?.path, '/');
  });
  it('a Prefix compares whole segments, empty segments ignored: /aaa/bbb matches /aaa//bbb/c, /aaa does not match /aaaa', () => {
    const t = table([ing({ rules: [rule('h.test', ['/aaa/bbb', 'Prefix', 'a'], ['/aaa', 'Prefix', 'b'])] })]);
    assert.equal(matchRoute(t, 'h.test', '/aaa//bbb/c')?.path, '/aaa/bbb');
    assert.equal(matchRoute(t, 'h.test', '//aaa/bbb')?.path, '/aaa/bbb');
    assert.equal(matchRoute(t, 'h.test', '/aaa/bbbb')?.path, '/aaa');
    assert.equal(matchRoute(t, 'h.test', '/aaaa'), undefined);
  });
  it('Exact beats Prefix for the same path; the query is not part of the path', () => {
    const t = table([ing({ rules: [rule('h.test', ['/foo', 'Prefix', 'a'], ['/foo', 'Exact', 'b'])] })]);
    assert.equal(svcOf(t, 'h.test', '/foo?x=1'), 'b');
    assert.equal(svcOf(t, 'h.test', '/foo/x'), 'a');
  });
  it('ImplementationSpecific is a Prefix; an empty path is /', () => {
    const t = table([ing({ rules: [rule('h.test', ['/app', 'ImplementationSpecific', 'a'], ['', 'ImplementationSpecific', 'b'])] })]);
    assert.equal(svcOf(t, 'h.test', '/app/x'), 'a');
    assert.equal(svcOf(t, 'h.test', '/other'), 'b');
  });
});

describe('host matching and defaults', () => {
  const t = table([
    ing({ defaultBackend: svcBackend('default'), rules: [rule('foo.bar.com', ['/', 'Prefix', 'a']), rule('*.bar.com', ['/', 'Prefix', 'b']), rule(undefined, ['/any', 'Prefix', 'c'])] }),
  ]);
  const cases: [string, string, string | undefined][] = [
    ['foo.bar.com', '/', 'a'],
    ['FOO.bar.com:18081', '/', 'a'],
    ['baz.bar.com', '/', 'b'],
    ['bar.com', '/any', 'c'],
    ['baz.foo.bar.com', '/any', 'c'],
    ['other.test', '/any', 'c'],
    ['other.test', '/nothing', 'default'],
    ['foo.bar.com', '/any', 'a'],
  ];
  for (const [host, path, want] of cases) it(`${host}${path} → ${want}`, () => assert.equal(svcOf(t, host, path), want));
  it('no default backend: unmatched is undefined (404)', () => {
    const t2 = table([ing({ rules: [rule('foo.bar.com', ['/', 'Prefix', 'a'])] })]);
    assert.equal(matchRoute(t2, 'nope.test', '/'), undefined);
  });
  it('hostOf strips the port and a trailing dot', () => {
    assert.equal(hostOf('Web.Example.Test:8443'), 'web.example.test');
    assert.equal(hostOf('web.example.test.'), 'web.example.test');
    assert.equal(hostOf('[::1]:80'), '[::1]');
  });
});

describe('conflicts, classes and backends', () => {
  it('the oldest Ingress keeps a host and path; its default backend is the default', () => {
    const newer = ing({ defaultBackend: svcBackend('b'), rules: [rule('h.test', ['/x', 'Prefix', 'b'])] }, 'newer', '2024-01-02T00:00:00Z');
    const older = ing({ defaultBackend: svcBackend('a'), rules: [rule('h.test', ['/x/', 'Prefix', 'a'])] }, 'older', '2024-01-01T00:00:00Z');
    const t = table([newer, older]);
    assert.equal(svcOf(t, 'h.test', '/x'), 'a');
    assert.equal(matchRoute(t, 'h.test', '/x')?.ingress, 'ns/older');
    assert.equal(svcOf(t, 'elsewhere', '/'), 'a');
    // Same age: by name.
    const t2 = table([ing({ rules: [rule('h.test', ['/', 'Prefix', 'b'])] }, 'zz'), ing({ rules: [rule('h.test', ['/', 'Prefix', 'a'])] }, 'aa')]);
    assert.equal(svcOf(t2, 'h.test', '/'), 'a');
  });
  it('only Ingresses of our class, or without one when the default class is ours', () => {
    const classes = [cls('jetkube'), cls('nginx', 'k8s.io/ingress-nginx', true)];
    const mk = (className?: string) => ({ ...ing({ defaultBackend: svcBackend('a') }), spec: { ...(className ? { ingressClassName: className } : {}), defaultBackend: svcBackend('a') } }) as Ingress;
    assert.equal(isOurIngress(mk('jetkube'), classes), true);
    assert.equal(isOurIngress(mk('nginx'), classes), false);
    assert.equal(isOurIngress(mk(), classes), false);
    assert.equal(isOurIngress(mk(), [cls('jetkube', CONTROLLER_NAME, true)]), true);
    assert.equal(isOurIngress(mk('missing'), classes), false);
  });
  it('named and numbered service ports resolve to the ready endpoints of that port', () => {
    const t = buildRouteTable({
      ingresses: [ing({ ingressClassName: 'jetkube', rules: [rule('h.test', ['/n', 'Prefix', 'x'])] }), ing({ ingressClassName: 'jetkube', rules: [{ host: 'h.test', http: { paths: [{ path: '/named', pathType: 'Prefix', backend: svcBackend('x', 'metrics') }] } }] }, 'w2', '2024-01-03T00:00:00Z')],
      classes: [cls('jetkube')],
      service: () => service('x', [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]),
      endpoints: () => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'x', namespace: 'ns' }, subsets: [{ addresses: [{ ip: '127.0.0.5' }], notReadyAddresses: [{ ip: '127.0.0.6' }], ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }] }] }),
      secret: () => undefined,
    });
    assert.deepEqual(matchRoute(t, 'h.test', '/n')?.target.endpoints, [{ ip: '127.0.0.5', port: 8080 }]);
    assert.deepEqual(matchRoute(t, 'h.test', '/named')?.target.endpoints, [{ ip: '127.0.0.5', port: 9100 }]);
  });
  it('a backend without ready endpoints or Service has no endpoints (503), and is reported', () => {
    const t = table([ing({ rules: [rule('h.test', ['/e', 'Prefix', 'empty'], ['/m', 'Prefix', 'missing'])] })]);
    assert.deepEqual(matchRoute(t, 'h.test', '/e')?.target.endpoints, []);
    assert.deepEqual(matchRoute(t, 'h.test', '/m')?.target.endpoints, []);
    assert.ok(t.problems.some((p) => p.includes('service ns/missing not found')));
  });
});

describe('TLS certificate by SNI', () => {
  const secret = (name: string, cert: string, type = 'kubernetes.io/tls'): Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'ns' },
    type,
    data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(`key-${cert}`).toString('base64') },
  });
  const t = table(
    [
      ing({ defaultBackend: svcBackend('a'), tls: [{ hosts: ['web.example.test'], secretName: 'exact' }, { hosts: ['*.example.test'], secretName: 'wild' }, { hosts: ['opaque.test'], secretName: 'opaque' }] }, 'one'),
      ing({ defaultBackend: svcBackend('a'), tls: [{ hosts: ['web.example.test'], secretName: 'late' }] }, 'two', '2024-01-05T00:00:00Z'),
    ],
    { secrets: [secret('exact', 'E'), secret('wild', 'W'), secret('late', 'L'), secret('opaque', 'O', 'Opaque')] },
  );
  const cases: [string, string | undefined][] = [
    ['web.example.test', 'E'],
    ['WEB.example.test', 'E'],
    ['api.example.test', 'W'],
    ['a.b.example.test', undefined],
    ['example.test', undefined],
    ['opaque.test', undefined],
    ['', undefined],
  ];
  for (const [name, want] of cases) it(`${name || '(no SNI)'} → ${want ?? 'none'}`, () => assert.equal(certificateFor(t, name)?.cert, want));
  it('a tls entry without hosts covers the Ingress rule hosts', () => {
    const t2 = table([ing({ rules: [rule('x.test', ['/', 'Prefix', 'a']), rule('y.test', ['/', 'Prefix', 'a'])], tls: [{ secretName: 'exact' }] })], { secrets: [secret('exact', 'E')] });
    assert.equal(certificateFor(t2, 'x.test')?.cert, 'E');
    assert.equal(certificateFor(t2, 'y.test')?.cert, 'E');
    assert.equal(certificateFor(t2, 'z.test'), undefined);
  });
  it('a Secret that is not kubernetes.io/tls is reported', () => assert.ok(t.problems.some((p) => p.includes('ns/opaque is not a kubernetes.io/tls secret'))));
});

describe('status and addresses', () => {
  it('status.loadBalancer.ingress is the bind address; nothing to write when it is there', () => {
    const i = ing({ defaultBackend: svcBackend('a') });
    const next = withLoadBalancer(i, ['127.0.0.1', '127.0.0.1']);
    assert.deepEqual(next?.status, { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } });
    assert.equal(withLoadBalancer(next!, ['127.0.0.1']), undefined);
  });
  it('listen addresses are <ip>:<port>', () => {
    assert.deepEqual(parseListenAddress('X', '127.0.0.1:18081'), { host: '127.0.0.1', port: 18081 });
    assert.deepEqual(parseListenAddress('X', '[::1]:443'), { host: '::1', port: 443 });
    assert.throws(() => parseListenAddress('X', 'localhost:80'), /X must be <ip>:<port>/);
  });
});
