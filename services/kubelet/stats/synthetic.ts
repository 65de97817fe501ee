/**
 * The fake runtime's synthetic load (jetkube's own annotation, documented in the README): a pod
 * annotated `jetkube.io/synthetic-usage: cpu=250m,memory=64Mi` has each of its containers report
 * that usage (cpu in cores as a quantity, memory in bytes as a quantity; either may be left out and
 * is then 0). It is read when a container starts: change the pod template to change the load.
 * Without it a fake container uses nothing, since nothing runs. docker and process measure real
 * usage and do not read it.
 */
import { tryParseQuantity } from '../../../shared/resources/quantity.js';
import type { SyntheticUsage } from '../runtime/types.js';

export const SYNTHETIC_USAGE_ANNOTATION = 'jetkube.io/synthetic-usage';

/** Parse the annotation (pure); an error names what is wrong. */
export function parseSyntheticUsage(value: string): SyntheticUsage | { readonly error: string } {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v, ...rest] = part.split('=');
    const q = v === undefined || rest.length ? undefined : tryParseQuantity(v.trim());
    if (q === undefined || q < 0) return { error: `annotation ${SYNTHETIC_USAGE_ANNOTATION}: "${part}" is not resource=quantity (e.g. cpu=250m,memory=64Mi)` };
    if (k!.trim() === 'cpu') cpuMillis = Math.round(q * 1000);
    else if (k!.trim() === 'memory') memoryBytes = Math.round(q);
    else return { error: `annotation ${SYNTHETIC_USAGE_ANNOTATION}: unknown resource "${k!.trim()}" (cpu and memory are measured)` };
  }
  return { cpuMillis, memoryBytes };
}
