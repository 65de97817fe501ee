/** Service links: the variables Kubernetes gives every container for the services of its namespace. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEnv } from '../../services/kubelet/env.js';
import type { Pod, Service, ServiceSpec } from '../../shared/resources/types.js';

const pod = (namespace = 'default', enableServiceLinks?: boolean): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace },
  spec: { containers: [{ name: 'c', image: 'x' }], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) },
});
const svc = (name: string, spec: ServiceSpec, namespace = 'default'): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });

describe('kubelet service links', () => {
  it('gives HOST, PORT, named PORT_<NAME> and the Docker-link variables, names upper-cased with - as _', () => {
    const env = serviceEnv(pod(), [
      svc('my-web', { clusterIP: '127.10.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics-port', port: 9090 }] }),
    ]);
    assert.deepEqual(env, {
      MY_WEB_SERVICE_HOST: '127.10.0.5',
      MY_WEB_SERVICE_PORT: '80',
      MY_WEB_SERVICE_PORT_HTTP: '80',
      MY_WEB_SERVICE_PORT_METRICS_PORT: '9090',
      MY_WEB_PORT: 'tcp://127.10.0.5:80',
      MY_WEB_PORT_80_TCP: 'tcp://127.10.0.5:80',
      MY_WEB_PORT_80_TCP_PROTO: 'tcp',
      MY_WEB_PORT_80_TCP_PORT: '80',
      MY_WEB_PORT_80_TCP_ADDR: '127.10.0.5',
      MY_WEB_PORT_9090_TCP: 'tcp://127.10.0.5:9090',
      MY_WEB_PORT_9090_TCP_PROTO: 'tcp',
      MY_WEB_PORT_9090_TCP_PORT: '9090',
      MY_WEB_PORT_9090_TCP_ADDR: '127.10.0.5',
    });
  });

  it('skips headless services, services without an address or ports, and other namespaces', () => {
    const env = serviceEnv(pod('a'), [
      svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('pending', { ports: [{ port: 80 }] }),
      svc('noports', { clusterIP: '127.10.0.6' }),
      svc('elsewhere', { clusterIP: '127.10.0.7', ports: [{ port: 80 }] }, 'b'),
    ]);
    assert.deepEqual(env, {});
  });

  it('gives nothing when the pod turns service links off', () => {
    assert.deepEqual(serviceEnv(pod('default', false), [svc('web', { clusterIP: '127.10.0.5', ports: [{ port: 80 }] })]), {});
  });

  it('always links the kubernetes Service of default: other namespaces, service links off', () => {
    const k = svc('kubernetes', { clusterIP: '127.10.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] });
    const other = svc('kubernetes', { clusterIP: '127.10.0.9', ports: [{ port: 80 }] }, 'b');
    for (const p of [pod('a'), pod('a', false), pod('default', false)]) {
      const env = serviceEnv(p, [k, other, svc('web', { clusterIP: '127.10.0.5', ports: [{ port: 80 }] }, p.metadata.namespace)]);
      assert.equal(env.KUBERNETES_SERVICE_HOST, '127.10.0.1');
      assert.equal(env.KUBERNETES_SERVICE_PORT, '443');
      assert.equal(env.KUBERNETES_SERVICE_PORT_HTTPS, '443');
      assert.equal(env.KUBERNETES_PORT, 'tcp://127.10.0.1:443');
      assert.equal(env.WEB_SERVICE_HOST, p.spec.enableServiceLinks === false ? undefined : '127.10.0.5');
    }
  });
});
