/** The status an Ingress of ours should have: pure, so the writer only writes when it differs. */
import { isDeepStrictEqual } from 'node:util';
import type { Ingress, IngressLoadBalancerIngress } from '../../shared/resources/ingress.js';

/** The loadBalancer.ingress entries for the controller's address(es): one `{ip}` each, sorted. */
export function loadBalancerFor(ips: readonly string[]): IngressLoadBalancerIngress[] {
  return [...new Set(ips)].sort().map((ip) => ({ ip }));
}

/** The Ingress with its status set, or undefined when it already has it (nothing to write). */
export function withLoadBalancer(ing: Ingress, ips: readonly string[]): Ingress | undefined {
  const want = loadBalancerFor(ips);
  if (isDeepStrictEqual(ing.status?.loadBalancer?.ingress ?? [], want)) return undefined;
  return { ...ing, status: { ...ing.status, loadBalancer: { ...ing.status?.loadBalancer, ingress: want } } };
}
