/** Fixtures for DaemonSet tests: a DaemonSet, nodes, daemon pods as the controller makes them. */
import type { Node, Pod, Taint } from '../../shared/resources/types.js';
import type { DaemonSet, DaemonSetSpec } from '../../shared/resources/daemonset-types.js';
import { newDaemonPod } from '../../services/controller-manager/daemonset/pods.js';
import { at } from './controller-fixtures.js';

export interface DsOptions {
  name?: string;
  uid?: string;
  generation?: number;
  templateGeneration?: number;
  image?: string;
  spec?: Partial<DaemonSetSpec>;
  nodeSelector?: Record<string, string>;
  status?: DaemonSet['status'];
}

export function newDaemonSet(o: DsOptions = {}): DaemonSet {
  const name = o.name ?? 'agent';
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      generation: o.generation ?? 1,
      creationTimestamp: at(-100),
      annotations: { 'deprecated.daemonset.template.generation': String(o.templateGeneration ?? 1) },
    },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'agent', image: o.image ?? 'agent:1' }], ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}) },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
      ...o.spec,
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

export function newNode(name: string, o: { labels?: Record<string, string>; taints?: Taint[] } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: o.taints ? { taints: o.taints } : {},
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  } as Node;
}

export interface DaemonPodOptions {
  /** Bound to the node (spec.nodeName), as after the scheduler. Default true. */
  bound?: boolean;
  ready?: boolean;
  phase?: Pod['status'] extends infer S ? (S extends { phase?: infer P } ? P : never) : never;
  created?: number;
  deleting?: boolean;
  name?: string;
}

/** The pod `ds` makes for `node` with revision hash `hash`, as stored and (by default) bound, running and ready. */
export function daemonPod(ds: DaemonSet, node: string, hash: string, o: DaemonPodOptions = {}): Pod {
  const p = newDaemonPod(ds, node, hash);
  const name = o.name ?? p.metadata.name!;
  const ready = o.ready ?? true;
  return {
    ...p,
    metadata: {
      ...p.metadata,
      name,
      uid: `uid-${name}`,
      creationTimestamp: at(o.created ?? 0),
      ...(o.deleting ? { deletionTimestamp: at(30) } : {}),
    },
    spec: { ...p.spec, ...(o.bound === false ? {} : { nodeName: node }) },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at(0) }] },
  };
}
