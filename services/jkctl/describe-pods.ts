/**
 * `describe` for pods and pod templates (kubectl describe.go describePod, describeContainers,
 * DescribePodTemplate): containers with their ports, command, state, resources, probes,
 * environment and mounts; conditions, volumes, QoS class, node selectors and tolerations.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodTemplateSpec, Probe, ResourceRequirements, Volume } from '../../shared/resources/types.js';
import { age } from '../../shared/printers/index.js';
import { DescribeWriter, annotationsBlock, labelsBlock, metaBlocks, rfc1123z, tolerationsBlock } from './describe-writer.js';

const ports = (c: Container, host: boolean) => (c.ports ?? []).map((p) => `${host ? (p.hostPort ?? 0) : p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');

function portLines(w: DescribeWriter, c: Container): void {
  const p = ports(c, false);
  w.line(2, p.includes(',') ? `Ports:\t${p}` : `Port:\t${p || '<none>'}`);
  const h = ports(c, true);
  w.line(2, h.includes(',') ? `Host Ports:\t${h}` : `Host Port:\t${h || '<none>'}`);
}

function stateLines(w: DescribeWriter, title: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.line(2, `${title}:\tRunning`);
    w.line(3, `Started:\t${rfc1123z(s.running.startedAt)}`);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.line(2, `${title}:\tTerminated`);
    if (t.reason) w.line(3, `Reason:\t${t.reason}`);
    if (t.message) w.line(3, `Message:\t${t.message}`);
    w.line(3, `Exit Code:\t${t.exitCode}`);
    if (t.signal) w.line(3, `Signal:\t${t.signal}`);
    w.line(3, `Started:\t${rfc1123z(t.startedAt)}`);
    w.line(3, `Finished:\t${rfc1123z(t.finishedAt)}`);
  } else {
    w.line(2, `${title}:\tWaiting`);
    if (s?.waiting?.reason) w.line(3, `Reason:\t${s.waiting.reason}`);
  }
}

function resourceLines(w: DescribeWriter, r: ResourceRequirements | undefined): void {
  for (const [title, list] of [['Limits', r?.limits], ['Requests', r?.requests]] as const) {
    const keys = Object.keys(list ?? {}).sort();
    if (!keys.length) continue;
    w.line(2, `${title}:`);
    for (const k of keys) w.line(3, `${k}:\t${list![k]}`);
  }
}

/** DescribeProbe: `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function describeProbe(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${(p.exec.command ?? []).join(' ')}] ${attrs}`;
  if (p.httpGet) {
    const g = p.httpGet;
    return `http-get ${(g.scheme ?? 'HTTP').toLowerCase()}://${g.host ?? ''}:${g.port}${g.path ?? ''} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function envLines(w: DescribeWriter, c: Container): void {
  const env = c.env ?? [];
  w.line(2, env.length ? 'Environment:' : 'Environment:\t<none>');
  for (const e of env) {
    const f = e.valueFrom;
    if (!f) {
      (e.value ?? '').split('\n').forEach((s, i) => w.line(3, i === 0 ? `${e.name}:\t${s}` : `\t${s}`));
    } else if (f.fieldRef) {
      w.line(3, `${e.name}:\t (${f.fieldRef.apiVersion ?? 'v1'}:${f.fieldRef.fieldPath})`);
    } else if (f.resourceFieldRef) {
      w.line(3, `${e.name}:\t (${f.resourceFieldRef.resource})`);
    } else if (f.secretKeyRef) {
      w.line(3, `${e.name}:\t<set to the key '${f.secretKeyRef.key}' in secret '${f.secretKeyRef.name ?? ''}'>\tOptional: ${f.secretKeyRef.optional ?? false}`);
    } else if (f.configMapKeyRef) {
      w.line(3, `${e.name}:\t<set to the key '${f.configMapKeyRef.key}' of config map '${f.configMapKeyRef.name ?? ''}'>\tOptional: ${f.configMapKeyRef.optional ?? false}`);
    }
  }
}

function mountLines(w: DescribeWriter, c: Container): void {
  const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => a.mountPath.localeCompare(b.mountPath));
  w.line(2, mounts.length ? 'Mounts:' : 'Mounts:\t<none>');
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
    w.line(3, `${m.mountPath} from ${m.name} (${flags.join(',')})`);
  }
}

/** describeContainers: `space` is the extra indent pod templates use. */
export function containersBlock(w: DescribeWriter, label: string, containers: readonly Container[], statuses: readonly ContainerStatus[] | undefined, space = ''): void {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  w.line(0, `${space}${label}:`);
  for (const c of containers) {
    const st = statuses ? byName.get(c.name) : undefined;
    w.line(1, `${space ? ' ' : ''}${c.name}:`);
    if (st) w.line(2, `Container ID:\t${st.containerID ?? ''}`);
    w.line(2, `Image:\t${c.image ?? ''}`);
    if (st) w.line(2, `Image ID:\t${st.imageID ?? ''}`);
    portLines(w, c);
    for (const [title, list] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!list?.length) continue;
      w.line(2, `${title}:`);
      for (const part of list) for (const s of part.split('\n')) w.line(3, s);
    }
    if (st) {
      stateLines(w, 'State', st.state);
      if (st.lastState?.terminated) stateLines(w, 'Last State', st.lastState);
      w.line(2, `Ready:\t${st.ready ? 'True' : 'False'}`);
      w.line(2, `Restart Count:\t${st.restartCount}`);
    }
    resourceLines(w, c.resources);
    if (c.livenessProbe) w.line(2, `Liveness:\t${describeProbe(c.livenessProbe)}`);
    if (c.readinessProbe) w.line(2, `Readiness:\t${describeProbe(c.readinessProbe)}`);
    if (c.startupProbe) w.line(2, `Startup:\t${describeProbe(c.startupProbe)}`);
    envLines(w, c);
    mountLines(w, c);
  }
}

export function volumesBlock(w: DescribeWriter, volumes: readonly Volume[] | undefined, space = ''): void {
  if (!volumes?.length) {
    w.line(0, `${space}Volumes:\t<none>`);
    return;
  }
  w.line(0, `${space}Volumes:`);
  for (const v of volumes) {
    w.line(1, `${space ? ' ' : ''}${v.name}:`);
    const source = Object.keys(v).find((k) => k !== 'name');
    if (source) w.line(2, `Type:\t${source[0]!.toUpperCase()}${source.slice(1)}`);
  }
}

/** DescribePodTemplate */
export function podTemplateBlock(w: DescribeWriter, t: PodTemplateSpec | undefined): void {
  w.line(0, 'Pod Template:');
  if (!t) {
    w.line(1, '<unset>');
    return;
  }
  labelsBlock(w, '  Labels', t.metadata?.labels);
  if (Object.keys(t.metadata?.annotations ?? {}).length) annotationsBlock(w, '  Annotations', t.metadata?.annotations);
  if (t.spec.serviceAccountName) w.line(1, `Service Account:\t${t.spec.serviceAccountName}`);
  if (t.spec.initContainers?.length) containersBlock(w, 'Init Containers', t.spec.initContainers, undefined, '  ');
  containersBlock(w, 'Containers', t.spec.containers ?? [], undefined, '  ');
  volumesBlock(w, t.spec.volumes, '  ');
  labelsBlock(w, '  Node-Selectors', t.spec.nodeSelector);
  tolerationsBlock(w, '  Tolerations', t.spec.tolerations);
}

/** The pod's QoS class: the kubelet's, else computed like GetPodQOS (roughly). */
export function qosClass(pod: Pod): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const cs = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const has = (c: Container) => Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0;
  if (!cs.some(has)) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? {};
    return l.cpu !== undefined && l.memory !== undefined && (r.cpu ?? l.cpu) === l.cpu && (r.memory ?? l.memory) === l.memory;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** describePod, without the Events section. */
export function describePod(w: DescribeWriter, pod: Pod, now: Date): void {
  const m = pod.metadata;
  const st = pod.status ?? {};
  w.line(0, `Name:\t${m.name}`);
  w.line(0, `Namespace:\t${m.namespace}`);
  if (pod.spec.priority !== undefined) w.line(0, `Priority:\t${pod.spec.priority}`);
  if (pod.spec.priorityClassName) w.line(0, `Priority Class Name:\t${pod.spec.priorityClassName}`);
  if (pod.spec.serviceAccountName) w.line(0, `Service Account:\t${pod.spec.serviceAccountName}`);
  w.line(0, `Node:\t${pod.spec.nodeName ? `${pod.spec.nodeName}/${st.hostIP ?? ''}` : '<none>'}`);
  if (st.startTime) w.line(0, `Start Time:\t${rfc1123z(st.startTime)}`);
  metaBlocks(w, m);
  if (m.deletionTimestamp && st.phase !== 'Failed' && st.phase !== 'Succeeded') {
    w.line(0, `Status:\tTerminating (lasts ${age(m.deletionTimestamp, now)})`);
    w.line(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? 0}s`);
  } else {
    w.line(0, `Status:\t${st.phase ?? ''}`);
  }
  if (st.reason) w.line(0, `Reason:\t${st.reason}`);
  if (st.message) w.line(0, `Message:\t${st.message}`);
  w.line(0, `IP:\t${st.podIP ?? ''}`);
  const ips = st.podIPs ?? (st.podIP ? [{ ip: st.podIP }] : []);
  if (!ips.length) w.line(0, 'IPs:\t<none>');
  else {
    w.line(0, 'IPs:');
    for (const ip of ips) w.line(1, `IP:\t${ip.ip}`);
  }
  const owner = m.ownerReferences?.find((r) => r.controller);
  if (owner) w.line(0, `Controlled By:\t${owner.kind}/${owner.name}`);
  if (st.nominatedNodeName) w.line(0, `NominatedNodeName:\t${st.nominatedNodeName}`);
  if (pod.spec.initContainers?.length) containersBlock(w, 'Init Containers', pod.spec.initContainers, st.initContainerStatuses ?? []);
  containersBlock(w, 'Containers', pod.spec.containers, st.containerStatuses ?? []);
  if (st.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus');
    for (const c of st.conditions) w.line(1, `${c.type} \t${c.status} `);
  }
  volumesBlock(w, pod.spec.volumes);
  w.line(0, `QoS Class:\t${qosClass(pod)}`);
  labelsBlock(w, 'Node-Selectors', pod.spec.nodeSelector);
  tolerationsBlock(w, 'Tolerations', pod.spec.tolerations);
}
