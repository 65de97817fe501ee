/**
 * Pods learn the cluster resolver: the kubelet's CLUSTER_DNS / CLUSTER_DOMAIN settings, the pod's
 * resolver by dnsPolicy and dnsConfig (podDns), the env vars every container gets (dnsEnv), and
 * what the docker runtime makes of it (resolv.conf text, a read-only bind at /etc/resolv.conf).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { kubeletConfigFromEnv } from '../../services/kubelet/config.js';
import { dnsEnv, podDns, type ClusterDnsSettings } from '../../services/kubelet/env.js';
import { createOptions, DockerRuntime, resolvConfText } from '../../services/kubelet/runtime/docker.js';
import { LABELS, type ContainerConfig } from '../../services/kubelet/runtime/types.js';
import type { Pod, PodSpec } from '../../shared/resources/types.js';

const cluster: ClusterDnsSettings = { clusterDns: { host: '127.0.0.10', port: 53 }, clusterDomain: 'cluster.local' };

const pod = (spec: Partial<PodSpec> = {}, namespace = 'team-a'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace },
  spec: { containers: [{ name: 'main', image: 'busybox' }], ...spec },
});

const SEARCH = ['team-a.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

describe('kubelet DNS settings', () => {
  it('CLUSTER_DNS and CLUSTER_DOMAIN, parsed like the DNS service does; defaults 127.0.0.10:53 and cluster.local', () => {
    const d = kubeletConfigFromEnv({});
    assert.deepEqual(d.clusterDns, { host: '127.0.0.10', port: 53 });
    assert.equal(d.clusterDomain, 'cluster.local');
    const c = kubeletConfigFromEnv({ CLUSTER_DNS: '127.0.0.1:5353', CLUSTER_DOMAIN: 'Corp.Internal.' });
    assert.deepEqual(c.clusterDns, { host: '127.0.0.1', port: 5353 });
    assert.equal(c.clusterDomain, 'corp.internal');
    assert.throws(() => kubeletConfigFromEnv({ CLUSTER_DNS: 'dns.local' }), /CLUSTER_DNS/);
  });
});

describe('podDns: the resolver by dnsPolicy', () => {
  it('ClusterFirst (the default): the cluster DNS, the namespace search path, ndots:5', () => {
    const want = { nameservers: ['127.0.0.10'], searches: SEARCH, options: ['ndots:5'], server: '127.0.0.10:53' };
    assert.deepEqual(podDns(pod(), cluster), want);
    assert.deepEqual(podDns(pod({ dnsPolicy: 'ClusterFirst' }), cluster), want);
  });

  it('the server keeps a port other than 53; the nameserver line cannot', () => {
    const d = podDns(pod(), { clusterDns: { host: '127.0.0.1', port: 5353 }, clusterDomain: 'k8s' });
    assert.deepEqual(d, { nameservers: ['127.0.0.1'], searches: ['team-a.svc.k8s', 'svc.k8s', 'k8s'], options: ['ndots:5'], server: '127.0.0.1:5353' });
  });

  it('ClusterFirst on the host network falls back to the host resolver; ClusterFirstWithHostNet does not', () => {
    assert.equal(podDns(pod({ hostNetwork: true }), cluster), undefined);
    assert.deepEqual(podDns(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster)?.server, '127.0.0.10:53');
  });

  it('Default: the host resolver (undefined)', () => {
    assert.equal(podDns(pod({ dnsPolicy: 'Default' }), cluster), undefined);
  });

  it('dnsConfig: nameservers and searches appended without duplicates, options replace by name', () => {
    const d = podDns(
      pod({
        dnsConfig: {
          nameservers: ['127.0.0.53', '127.0.0.10'],
          searches: ['corp.example', 'svc.cluster.local'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }, { name: 'timeout', value: '1' }],
        },
      }),
      cluster,
    );
    assert.deepEqual(d, {
      nameservers: ['127.0.0.10', '127.0.0.53'],
      searches: [...SEARCH, 'corp.example'],
      options: ['ndots:2', 'edns0', 'timeout:1'],
      server: '127.0.0.10:53',
    });
  });

  it('at most 3 nameservers', () => {
    const d = podDns(pod({ dnsConfig: { nameservers: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] } }), cluster);
    assert.deepEqual(d?.nameservers, ['127.0.0.10', '10.0.0.1', '10.0.0.2']);
  });

  it('None: only what dnsConfig says', () => {
    const d = podDns(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['10.0.0.1'], searches: ['a.example'], options: [{ name: 'ndots', value: '1' }] } }), cluster);
    assert.deepEqual(d, { nameservers: ['10.0.0.1'], searches: ['a.example'], options: ['ndots:1'], server: '10.0.0.1:53' });
    assert.deepEqual(podDns(pod({ dnsPolicy: 'None' }), cluster), { nameservers: [], searches: [], options: [], server: '' });
  });
});

describe('dnsEnv: what every container of a ClusterFirst pod gets', () => {
  it('JETKUBE_DNS_SERVER (ip:port), JETKUBE_DNS_SEARCH and LOCALDOMAIN (glibc search list)', () => {
    assert.deepEqual(dnsEnv(podDns(pod(), cluster)), {
      JETKUBE_DNS_SERVER: '127.0.0.10:53',
      JETKUBE_DNS_SEARCH: SEARCH.join(' '),
      LOCALDOMAIN: SEARCH.join(' '),
    });
  });

  it('nothing for the host resolver, nothing empty', () => {
    assert.deepEqual(dnsEnv(undefined), {});
    assert.deepEqual(dnsEnv(podDns(pod({ dnsPolicy: 'None' }), cluster)), {});
  });
});

describe('docker runtime: the pod resolver as /etc/resolv.conf', () => {
  const base: ContainerConfig = { image: 'busybox', command: [], args: [], env: {}, labels: {}, ports: [] };

  it('resolvConfText: nameserver, search and options lines', () => {
    assert.equal(
      resolvConfText(podDns(pod(), cluster)!),
      'nameserver 127.0.0.10\nsearch team-a.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
    assert.equal(resolvConfText({ nameservers: ['10.0.0.1', '10.0.0.2'], searches: [], options: [] }), 'nameserver 10.0.0.1\nnameserver 10.0.0.2\n');
  });

  it('createOptions: a read-only bind of the file at /etc/resolv.conf, nothing without one', () => {
    const o = createOptions(base, 'c1', '/var/lib/jetkube/pods/uid-1/resolv.conf');
    assert.deepEqual(o.HostConfig?.Binds, ['/var/lib/jetkube/pods/uid-1/resolv.conf:/etc/resolv.conf:ro']);
    assert.equal(o.HostConfig?.NetworkMode, 'host');
    assert.equal(createOptions(base, 'c2').HostConfig?.Binds, undefined);
    assert.equal(createOptions({ ...base, dns: podDns(pod(), cluster)! }, 'c3').HostConfig?.Dns, undefined, "the file, not Docker's --dns");
  });

  it('start writes the file into <rootDir>/pods/<uid> and binds it; removePodDir removes it (engine stubbed)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'jk-kubelet-dns-'));
    try {
      const created: Dockerode.ContainerCreateOptions[] = [];
      const docker = {
        createContainer: async (o: Dockerode.ContainerCreateOptions) => {
          created.push(o);
          return { id: `c${created.length}`, start: async () => undefined };
        },
      } as unknown as Dockerode;
      const rt = new DockerRuntime({ docker, rootDir: root });
      const dns = podDns(pod(), cluster)!;
      assert.equal(await rt.start({ ...base, labels: { [LABELS.podUid]: 'uid-1' }, dns }), 'c1');
      await rt.start({ ...base, labels: { [LABELS.podUid]: 'uid-1' }, dns }); // a second container of the pod: same file
      await rt.start({ ...base, labels: { [LABELS.podUid]: 'uid-2' } }); // the host's resolver: no file, no bind
      const file = join(root, 'pods', 'uid-1', 'resolv.conf');
      assert.equal(readFileSync(file, 'utf8'), resolvConfText(dns));
      assert.deepEqual(created.map((o) => o.HostConfig?.Binds), [[`${file}:/etc/resolv.conf:ro`], [`${file}:/etc/resolv.conf:ro`], undefined]);
      assert.ok(!existsSync(join(root, 'pods', 'uid-2')));
      await rt.removePodDir('uid-1');
      assert.ok(!existsSync(join(root, 'pods', 'uid-1')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
