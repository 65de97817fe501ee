/** The wide columns of `kubectl get deployments` and `replicasets`: the template's containers and images, the selector. */
import type { Container, LabelSelector } from '../resources/types.js';
import { formatRequirements, fromLabelSelector } from '../resources/selectors.js';

/** layoutContainerCells: names and images, comma-joined. */
export function containerCells(containers: readonly Container[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** A structured selector in its string form (`app=web,tier in (a,b)`); `<invalid>` if it is not valid. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  try {
    return formatRequirements(fromLabelSelector(sel)) || '<none>';
  } catch {
    return '<invalid>';
  }
}
