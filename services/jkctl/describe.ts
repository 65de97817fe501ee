/**
 * `jkctl describe KIND [NAME...]`: an object in kubectl's describe layout, then the Events about it
 * (listed with an involvedObject field selector). Pods, Deployments, ReplicaSets, Services, Nodes,
 * Namespaces, ConfigMaps and Secrets have kubectl's sections; other kinds show their metadata and
 * the rest of the object.
 */
import YAML from 'yaml';
import { isNotFound } from '../../shared/errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import { resourceKey, type ResourceInfo } from '../../shared/resources/registry.js';
import type { ConfigMap, Deployment, Endpoints, Event, Lease, Namespace, Node, Pod, ReplicaSet, Secret, Service } from '../../shared/resources/types.js';
import { formatEndpoints, formatLabels, nodeRoles, selectorString, age } from '../../shared/printers/index.js';
import { findNewReplicaSet, findOldReplicaSets, ownedReplicaSets } from '../controller-manager/deployment/index.js';
import { namespaceFor, type Ctx } from './context.js';
import { errorLine } from './errors.js';
import { parseTargets } from './kinds.js';
import { DescribeWriter, eventsBlock, metaBlocks, rfc1123z, taintsBlock } from './describe-writer.js';
import { describePod, podTemplateBlock } from './describe-pods.js';

/** What a describer may need besides the object (looked up by describe's I/O part). */
export interface Related {
  readonly events: readonly Event[];
  readonly replicaSets?: readonly ReplicaSet[];
  readonly pods?: readonly Pod[];
  readonly endpoints?: Endpoints;
  readonly lease?: Lease;
}

function header(w: DescribeWriter, o: KObject, namespaced: boolean): void {
  w.line(0, `Name:\t${o.metadata.name}`);
  if (namespaced) w.line(0, `Namespace:\t${o.metadata.namespace}`);
}

function conditionsTable(w: DescribeWriter, conds: readonly { type: string; status: string; reason?: string }[] | undefined): void {
  if (!conds?.length) return;
  w.line(0, 'Conditions:');
  w.line(1, 'Type\tStatus\tReason');
  w.line(1, '----\t------\t------');
  for (const c of conds) w.line(1, `${c.type} \t${c.status}\t${c.reason ?? ''}`);
}

const rsSummary = (list: readonly ReplicaSet[]) =>
  list.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`).join(', ') || '<none>';

function describeDeployment(w: DescribeWriter, d: Deployment, rel: Related): void {
  const st = d.status ?? {};
  header(w, d, true);
  w.line(0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}`);
  metaBlocks(w, d.metadata);
  w.line(0, `Selector:\t${selectorString(d.spec.selector)}`);
  w.line(0, `Replicas:\t${d.spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable`);
  w.line(0, `StrategyType:\t${d.spec.strategy?.type ?? 'RollingUpdate'}`);
  w.line(0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}`);
  const ru = d.spec.strategy?.rollingUpdate;
  if (ru) w.line(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge`);
  podTemplateBlock(w, d.spec.template);
  conditionsTable(w, st.conditions);
  const owned = ownedReplicaSets(d, rel.replicaSets ?? []);
  const newRS = findNewReplicaSet(d, owned);
  w.line(0, `OldReplicaSets:\t${rsSummary(findOldReplicaSets(d, owned).active)}`);
  w.line(0, `NewReplicaSet:\t${rsSummary(newRS ? [newRS] : [])}`);
}

function describeReplicaSet(w: DescribeWriter, rs: ReplicaSet, rel: Related): void {
  header(w, rs, true);
  w.line(0, `Selector:\t${selectorString(rs.spec.selector)}`);
  metaBlocks(w, rs.metadata);
  const owner = rs.metadata.ownerReferences?.find((r) => r.controller);
  if (owner) w.line(0, `Controlled By:\t${owner.kind}/${owner.name}`);
  w.line(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired`);
  const pods = (rel.pods ?? []).filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.uid === rs.metadata.uid));
  const phase = (ph: string) => pods.filter((p) => (p.status?.phase ?? 'Pending') === ph).length;
  w.line(0, `Pods Status:\t${phase('Running')} Running / ${phase('Pending')} Waiting / ${phase('Succeeded')} Succeeded / ${phase('Failed')} Failed`);
  podTemplateBlock(w, rs.spec.template);
  conditionsTable(w, rs.status?.conditions);
}

function describeService(w: DescribeWriter, svc: Service, rel: Related): void {
  const spec = svc.spec ?? {};
  header(w, svc, true);
  metaBlocks(w, svc.metadata);
  w.line(0, `Selector:\t${formatLabels(spec.selector)}`);
  w.line(0, `Type:\t${spec.type ?? 'ClusterIP'}`);
  if (spec.ipFamilyPolicy) w.line(0, `IP Family Policy:\t${spec.ipFamilyPolicy}`);
  w.line(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}`);
  w.line(0, `IP:\t${spec.clusterIP ?? ''}`);
  w.line(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}`);
  if (spec.externalIPs?.length) w.line(0, `External IPs:\t${spec.externalIPs.join(',')}`);
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol ?? 'TCP';
    w.line(0, `Port:\t${name}\t${p.port}/${proto}`);
    w.line(0, `TargetPort:\t${p.targetPort ?? p.port}/${proto}`);
    if (p.nodePort) w.line(0, `NodePort:\t${name}\t${p.nodePort}/${proto}`);
    w.line(0, `Endpoints:\t${rel.endpoints ? formatEndpoints(rel.endpoints, new Set([p.name ?? ''])) : '<none>'}`);
  }
  w.line(0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}`);
  if (spec.externalTrafficPolicy) w.line(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}`);
  if (spec.internalTrafficPolicy) w.line(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}`);
}

function describeNode(w: DescribeWriter, node: Node, rel: Related, now: Date): void {
  const st = node.status ?? {};
  header(w, node, false);
  w.line(0, `Roles:\t${nodeRoles(node).join(',') || '<none>'}`);
  metaBlocks(w, node.metadata);
  w.line(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}`);
  taintsBlock(w, 'Taints', node.spec?.taints);
  w.line(0, `Unschedulable:\t${node.spec?.unschedulable ?? false}`);
  if (rel.lease) {
    const l = rel.lease.spec ?? {};
    w.line(0, 'Lease:');
    w.line(1, `HolderIdentity:\t${l.holderIdentity ?? '<unset>'}`);
    w.line(1, `AcquireTime:\t${rfc1123z(l.acquireTime)}`);
    w.line(1, `RenewTime:\t${rfc1123z(l.renewTime)}`);
  }
  if (st.conditions?.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage');
    w.line(1, '----\t------\t-----------------\t------------------\t------\t-------');
    for (const c of st.conditions) {
      w.line(1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}`);
    }
  }
  w.line(0, 'Addresses:');
  for (const a of st.addresses ?? []) w.line(1, `${a.type}:\t${a.address}`);
  for (const [title, list] of [['Capacity', st.capacity], ['Allocatable', st.allocatable]] as const) {
    const keys = Object.keys(list ?? {}).sort();
    if (!keys.length) continue;
    w.line(0, `${title}:`);
    for (const k of keys) w.line(1, `${k}:\t${list![k]}`);
  }
  const info = st.nodeInfo ?? {};
  w.line(0, 'System Info:');
  for (const [k, v] of [
    ['Machine ID', info.machineID],
    ['System UUID', info.systemUUID],
    ['Boot ID', info.bootID],
    ['Kernel Version', info.kernelVersion],
    ['OS Image', info.osImage],
    ['Operating System', info.operatingSystem],
    ['Architecture', info.architecture],
    ['Container Runtime Version', info.containerRuntimeVersion],
    ['Kubelet Version', info.kubeletVersion],
    ['Kube-Proxy Version', info.kubeProxyVersion],
  ] as const) {
    w.line(1, `${k}:\t${v ?? ''}`);
  }
  if (node.spec?.podCIDR) w.line(0, `PodCIDR:\t${node.spec.podCIDR}`);
  if (node.spec?.podCIDRs?.length) w.line(0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}`);
  if (rel.pods) {
    const live = rel.pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    w.line(0, `Non-terminated Pods:\t(${live.length} in total)`);
    w.line(1, 'Namespace\tName\tAge');
    w.line(1, '---------\t----\t---');
    for (const p of live) w.line(1, `${p.metadata.namespace}\t${p.metadata.name}\t${age(p.metadata.creationTimestamp, now)}`);
  }
}

function describeNamespace(w: DescribeWriter, ns: Namespace): void {
  header(w, ns, false);
  metaBlocks(w, ns.metadata);
  w.line(0, `Status:\t${ns.status?.phase ?? ''}`);
  w.flush();
  w.line(0, '');
  w.line(0, 'No resource quota.');
  w.line(0, '');
  w.line(0, 'No LimitRange resource.');
}

function describeConfigMap(w: DescribeWriter, cm: ConfigMap): void {
  header(w, cm, true);
  metaBlocks(w, cm.metadata);
  w.flush();
  w.line(0, '').line(0, 'Data').line(0, '====');
  for (const k of Object.keys(cm.data ?? {}).sort()) w.line(0, `${k}:`).line(0, '----').line(0, cm.data![k]!).line(0, '');
  w.line(0, '').line(0, 'BinaryData').line(0, '====');
  for (const k of Object.keys(cm.binaryData ?? {}).sort()) w.line(0, `${k}: ${Buffer.from(cm.binaryData![k]!, 'base64').length} bytes`);
  w.line(0, '');
}

function describeSecret(w: DescribeWriter, s: Secret): void {
  header(w, s, true);
  metaBlocks(w, s.metadata);
  w.flush();
  w.line(0, '');
  w.line(0, `Type:\t${s.type ?? 'Opaque'}`);
  w.flush();
  w.line(0, '').line(0, 'Data').line(0, '====');
  for (const k of Object.keys(s.data ?? {}).sort()) w.line(0, `${k}:\t${Buffer.from(s.data![k]!, 'base64').length} bytes`);
}

/** Kinds without a describer: metadata, then every other field as YAML. */
function describeGeneric(w: DescribeWriter, o: KObject, info: ResourceInfo): void {
  header(w, o, info.namespaced);
  metaBlocks(w, o.metadata);
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  w.flush();
  for (const [k, v] of Object.entries(rest)) {
    const yaml = YAML.stringify(v, { indentSeq: false }).trimEnd();
    if (typeof v !== 'object' || v === null) w.line(0, `${k[0]!.toUpperCase()}${k.slice(1)}:\t${yaml}`);
    else {
      w.line(0, `${k[0]!.toUpperCase()}${k.slice(1)}:`);
      for (const l of yaml.split('\n')) w.line(1, l);
    }
  }
}

/** The describe text of an object and what relates to it (pure). */
export function describeText(info: ResourceInfo, o: KObject, rel: Related, now: Date): string {
  const w = new DescribeWriter();
  switch (info.kind) {
    case 'Pod':
      describePod(w, o as Pod, now);
      break;
    case 'Deployment':
      describeDeployment(w, o as Deployment, rel);
      break;
    case 'ReplicaSet':
      describeReplicaSet(w, o as ReplicaSet, rel);
      break;
    case 'Service':
      describeService(w, o as Service, rel);
      break;
    case 'Node':
      describeNode(w, o as Node, rel, now);
      break;
    case 'Namespace':
      describeNamespace(w, o as Namespace);
      break;
    case 'ConfigMap':
      describeConfigMap(w, o as ConfigMap);
      break;
    case 'Secret':
      describeSecret(w, o as Secret);
      break;
    default:
      describeGeneric(w, o, info);
  }
  eventsBlock(w, rel.events, now);
  return w.toString();
}

/** The involvedObject field selector for an object's Events. */
export function eventSelector(o: KObject): string {
  return [
    `involvedObject.name=${o.metadata.name}`,
    `involvedObject.kind=${o.kind}`,
    ...(o.metadata.namespace ? [`involvedObject.namespace=${o.metadata.namespace}`] : []),
    ...(o.metadata.uid ? [`involvedObject.uid=${o.metadata.uid}`] : []),
  ].join(',');
}

async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** What the describer of `o` needs, from the gateway. */
async function related(ctx: Ctx, info: ResourceInfo, o: KObject): Promise<Related> {
  const ns = o.metadata.namespace || undefined;
  const events = await ctx.client.events.listAll(ns, { fieldSelector: eventSelector(o) });
  switch (info.kind) {
    case 'Deployment':
      return { events, replicaSets: await ctx.client.replicaSets.listAll(ns) };
    case 'ReplicaSet':
      return { events, pods: await ctx.client.pods.listAll(ns, { labelSelector: selectorString((o as ReplicaSet).spec.selector) }) };
    case 'Service': {
      const endpoints = await optional(ctx.client.endpoints.get(ns, o.metadata.name!));
      return { events, ...(endpoints ? { endpoints } : {}) };
    }
    case 'Node': {
      const lease = await optional(ctx.client.leases.get('kube-node-lease', o.metadata.name!));
      const pods = await ctx.client.pods.listAll(undefined, { fieldSelector: `spec.nodeName=${o.metadata.name}` });
      return { events, pods, ...(lease ? { lease } : {}) };
    }
    default:
      return { events };
  }
}

export interface DescribeOptions {
  readonly allNamespaces?: boolean;
  readonly selector?: string;
}

/** `jkctl describe`: each named object (or every one of the kind), separated by a blank line. */
export async function describe(ctx: Ctx, args: readonly string[], opts: DescribeOptions): Promise<number> {
  const errors: string[] = [];
  const texts: string[] = [];
  for (const t of parseTargets(args)) {
    const rc = ctx.client.resource(resourceKey(t.info));
    const ns = namespaceFor(ctx, t.info, opts.allNamespaces);
    let objects: KObject[] = [];
    if (t.names.length) {
      for (const name of t.names) {
        try {
          objects.push(await rc.get(ns ?? ctx.namespace, name));
        } catch (e) {
          if (!isNotFound(e)) throw e;
          errors.push(errorLine(e, ctx.server));
        }
      }
    } else {
      objects = await rc.listAll(ns, { labelSelector: opts.selector });
    }
    for (const o of objects) texts.push(describeText(t.info, { ...o, kind: o.kind || t.info.kind }, await related(ctx, t.info, o), ctx.now()));
  }
  ctx.out.write(texts.join('\n\n'));
  if (!texts.length && !errors.length) ctx.err.write(`No resources found in ${ctx.namespace} namespace.\n`);
  for (const e of errors) ctx.err.write(`${e}\n`);
  return errors.length ? 1 : 0;
}
