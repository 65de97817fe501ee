/**
 * kubectl (v1.32) reading `/openapi/v2` from the gateway: as gnostic protobuf for client-side
 * validation of a kind the v3 documents don't list (so the answer is Kubernetes' "no matches for
 * kind", not a failed schema fetch) and for `explain --output plaintext-openapiv2`; as JSON, a
 * Swagger 2.0 document with the patch extensions. Skipped when kubectl is not installed, unless
 * REQUIRE_KUBECTL=1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KUBECTL_SKIP, kubectlSuite } from './kubectl-harness.js';


describe('kubectl and /openapi/v2', { skip: KUBECTL_SKIP }, () => {
  const suite = kubectlSuite('kubectl-oav2');
  const kubectl = suite.kubectl;


  it('apply of an unknown kind answers "no matches for kind", not a failed schema fetch', async () => {
    const file = join(suite.dir, 'widget.yaml');
    await writeFile(file, 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 3\n');
    const r = await kubectl('apply', '-f', file);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /error validating data/);
    assert.ok(
      r.stderr.includes(`error: resource mapping not found for name: "w" namespace: "" from "${file}": no matches for kind "Widget" in version "example.com/v1"`),
      r.stderr,
    );
    assert.match(r.stderr, /ensure CRDs are installed first/);
  });

  it('explain --output plaintext-openapiv2 reads the protobuf document', async () => {
    const r = await kubectl('explain', 'deployment.spec.replicas', '--output', 'plaintext-openapiv2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^KIND:\s+Deployment$/m);
    assert.match(r.stdout, /^VERSION:\s+apps\/v1$/m);
    assert.match(r.stdout, /^FIELD:\s+replicas <integer>$/m);
    const containers = await kubectl('explain', 'pods.spec.containers', '--output', 'plaintext-openapiv2');
    assert.equal(containers.code, 0, containers.stderr);
    assert.match(containers.stdout, /^RESOURCE:\s+containers <\[\]Object>$/m);
    assert.match(containers.stdout, /^\s+image\s+<string>$/m);
  });

  it('serves a Swagger 2.0 JSON document with the patch extensions, and 304 for its ETag', async () => {
    const res = await fetch(`${suite.stack.url}/openapi/v2`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const etag = res.headers.get('etag');
    assert.match(etag ?? '', /^"[0-9A-F]{128}"$/);
    const doc = (await res.json()) as { swagger: string; definitions: Record<string, any> };
    assert.equal(doc.swagger, '2.0');
    const containers = doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const again = await fetch(`${suite.stack.url}/openapi/v2`, { headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'if-none-match': etag! } });
    assert.equal(again.status, 304);
    const wrong = await fetch(`${suite.stack.url}/openapi/v2`, { headers: { accept: 'text/html' } });
    assert.equal(wrong.status, 406);
  });
});
