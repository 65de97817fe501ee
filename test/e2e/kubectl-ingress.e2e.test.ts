/**
 * kubectl 1.32 against Ingresses and IngressClasses: `create ingress` (a protobuf body) with rules,
 * TLS and a default backend, the DefaultIngressClass admission naming the default class, and the
 * `get ing` / `get ingressclass` columns as kubectl prints them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api } from '../stack.js';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';

const ING = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

describe('kubectl and Ingresses', { skip: KUBECTL_SKIP, timeout: 120_000 }, () => {
  const suite = kubectlSuite('king');

  it('apply an IngressClass, create ingress (protobuf), get ing and ingressclass columns, describe ingress', async () => {
    const classFile = join(suite.dir, 'class.yaml');
    await writeFile(
      classFile,
      [
        'apiVersion: networking.k8s.io/v1',
        'kind: IngressClass',
        'metadata:',
        '  name: jetkube',
        '  annotations:',
        '    ingressclass.kubernetes.io/is-default-class: "true"',
        'spec:',
        '  controller: jetkube.io/ingress-controller',
        '',
      ].join('\n'),
    );
    const applied = await suite.kubectl('apply', '-f', classFile);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /ingressclass\.networking\.k8s\.io\/jetkube created/);

    const created = await suite.kubectl('create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080,tls=my-cert', '--rule=bar.com/*=svc2:http', '-v=8');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /ingress\.networking\.k8s\.io\/simple created/);
    assert.match(created.stderr, /POST http[^\n]*\/ingresses[\s\S]*?Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const stored = (await api(suite.stack.url, 'GET', `${ING}/simple`)).body;
    // No --class: the default class is named on create.
    assert.equal(stored.spec.ingressClassName, 'jetkube');
    assert.deepEqual(stored.spec.rules[0].http.paths[0], { path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } });
    assert.deepEqual(stored.spec.rules[1].http.paths[0], { path: '/', pathType: 'Prefix', backend: { service: { name: 'svc2', port: { name: 'http' } } } });
    assert.deepEqual(stored.spec.tls, [{ hosts: ['foo.com'], secretName: 'my-cert' }]);

    const other = await suite.kubectl('create', 'ingress', 'catch-all', '--class=other', '--default-backend=svc3:80');
    assert.equal(other.code, 0, other.stderr);

    const ing = await suite.kubectl('get', 'ing');
    assert.equal(ing.code, 0, ing.stderr);
    const lines = ing.stdout.trimEnd().split('\n');
    assert.deepEqual(lines[0]!.split(/\s+/), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    assert.match(lines[1]!, /^catch-all\s+other\s+\*\s+80\s+\d+s$/);
    assert.match(lines[2]!, /^simple\s+jetkube\s+foo\.com,bar\.com\s+80, 443\s+\d+s$/);

    const classes = await suite.kubectl('get', 'ingressclass');
    assert.equal(classes.code, 0, classes.stderr);
    const cl = classes.stdout.trimEnd().split('\n');
    assert.deepEqual(cl[0]!.split(/\s+/), ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
    assert.match(cl[1]!, /^jetkube\s+jetkube\.io\/ingress-controller\s+<none>\s+\d+s$/);

    const described = await suite.kubectl('describe', 'ingress', 'simple');
    assert.equal(described.code, 0, described.stderr);
    assert.match(described.stdout, /^Ingress Class:\s+jetkube$/m);
    assert.match(described.stdout, /^\s+foo\.com\s*$/m);
    assert.match(described.stdout, /\/bar\s+svc1:8080/);
    assert.match(described.stdout, /my-cert terminates foo\.com/);

    // Refused with Kubernetes' message: a path that is not absolute for an Exact rule.
    const bad = await suite.kubectl('create', 'ingress', 'bad', '--rule=foo.com/a//b=svc1:80');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /must not contain '\/\/'/);
  });
});
