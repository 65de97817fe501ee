/**
 * Taints and tolerations (core/v1 helper `ToleratesTaint`), plus the taints Kubernetes' node
 * lifecycle controller would put on a node that is not Ready. Pure.
 */
import type { Node, Taint, TaintEffect, Toleration } from '../resources/types.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** A node taint with its filter reason prebuilt, so a failing node costs no string building. */
export interface CompiledTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
  /** `node(s) had untolerated taint {key: value}` */
  readonly reason: string;
}

export function untoleratedTaintReason(key: string, value: string): string {
  return `node(s) had untolerated taint {${key}: ${value}}`;
}

export function compileTaint(t: Taint): CompiledTaint {
  const value = t.value ?? '';
  return { key: t.key, value, effect: t.effect, reason: untoleratedTaintReason(t.key, value) };
}

/** ToleratesTaint: effect empty matches all; key empty (with Exists) matches all keys; Equal compares values. */
export function toleratesTaint(tol: Toleration, key: string, value: string, effect: TaintEffect): boolean {
  if (tol.effect && tol.effect !== effect) return false;
  if (tol.key && tol.key !== key) return false;
  switch (tol.operator) {
    case undefined:
    case 'Equal':
      return (tol.value ?? '') === value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any toleration tolerates the taint. */
export function tolerationsTolerate(tols: readonly Toleration[], key: string, value: string, effect: TaintEffect): boolean {
  for (let i = 0; i < tols.length; i++) if (toleratesTaint(tols[i]!, key, value, effect)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint no toleration tolerates (FindMatchingUntoleratedTaint), if any. */
export function findUntoleratedTaint(taints: readonly CompiledTaint[], tols: readonly Toleration[]): CompiledTaint | undefined {
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i]!;
    if (t.effect === 'PreferNoSchedule') continue;
    if (!tolerationsTolerate(tols, t.key, t.value, t.effect)) return t;
  }
  return undefined;
}

/** How many PreferNoSchedule taints the (PreferNoSchedule-or-empty-effect) tolerations do not tolerate. */
export function countIntolerablePreferNoSchedule(taints: readonly CompiledTaint[], tols: readonly Toleration[]): number {
  let n = 0;
  for (let i = 0; i < taints.length; i++) {
    const t = taints[i]!;
    if (t.effect === 'PreferNoSchedule' && !tolerationsTolerate(tols, t.key, t.value, t.effect)) n++;
  }
  return n;
}

/** The node's Ready condition status: `True`, `False`, `Unknown`, or undefined when not reported yet. */
export function nodeReadyStatus(node: Node): string | undefined {
  for (const c of node.status?.conditions ?? []) if (c.type === 'Ready') return c.status;
  return undefined;
}

/**
 * The NoSchedule taint the node lifecycle controller puts on a node that is not Ready
 * (`not-ready` for False or not yet reported, `unreachable` for Unknown), unless the node already
 * carries a taint with that key. Undefined for a Ready node.
 */
export function readinessTaint(node: Node): Taint | undefined {
  const status = nodeReadyStatus(node);
  if (status === 'True') return undefined;
  const key = status === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY;
  if ((node.spec?.taints ?? []).some((t) => t.key === key && t.effect !== 'PreferNoSchedule')) return undefined;
  return { key, effect: 'NoSchedule' };
}
