/**
 * Ingress and IngressClass (networking.k8s.io/v1). Ingress has a status subresource and a
 * generation; IngressClass neither. `kubectl get ingress` and `kubectl get ingressclass` columns as
 * printers.go (printIngress, printIngressClass) prints them.
 */
import type { KindStrategy } from '../strategy.js';
import { defaultIngressClass, validateIngress, validateIngressClass, type Ingress, type IngressClass, type IngressRule, type IngressTLS } from '../ingress.js';
import { arr, get, str } from '../projection.js';
import { age } from '../../printers/duration.js';
import { AGE_COLUMN, NAME_COLUMN, column, type TablePrinter } from '../../printers/types.js';

/** The first three rule hosts, then ` + N more...`; `*` for none (formatHosts). */
export function formatHosts(rules: readonly IngressRule[] | undefined): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${(rules?.length ?? 0) - max} more...` : joined;
}

/** `80, 443` with TLS, else `80` (formatPorts). */
export const formatPorts = (tls: readonly IngressTLS[] | undefined): string => (tls?.length ? '80, 443' : '80');

/** Sorted distinct IPs (else hostnames), cut to 16 characters with `...` (ingressLoadBalancerStatusStringer, not wide). */
export function formatAddress(ing: Ingress): string {
  const seen = new Set<string>();
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) seen.add(lb.ip);
    else if (lb.hostname) seen.add(lb.hostname);
  }
  const r = [...seen].sort().join(',');
  return r.length > 16 ? `${r.slice(0, 13)}...` : r;
}

const ingressPrinter: TablePrinter<Ingress> = {
  columns: [
    NAME_COLUMN,
    column('Class', 'The name of the IngressClass resource that should be used for this Ingress.'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  row(ing, now) {
    return [
      ing.metadata.name ?? '',
      ing.spec?.ingressClassName ?? '<none>',
      formatHosts(ing.spec?.rules),
      formatAddress(ing),
      formatPorts(ing.spec?.tls),
      age(ing.metadata.creationTimestamp, now),
    ];
  },
};

const ingressClassPrinter: TablePrinter<IngressClass> = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    AGE_COLUMN,
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata.name ?? '', ic.spec?.controller ?? '', params, age(ic.metadata.creationTimestamp, now)];
  },
};

export const ingressStrategy: KindStrategy = {
  kind: 'Ingress',
  statusSubresource: true,
  generation: true,
  validate: (obj, old) => validateIngress(obj as Ingress, old as Ingress | undefined),
  printer: ingressPrinter,
  projection: {
    /** The class it asks for and its rules' hosts. */
    columns: { ingress_class: 'text', hosts: 'text[]' },
    row: (o) => ({
      ingress_class: str(get(o, 'spec', 'ingressClassName')),
      hosts: arr(get(o, 'spec', 'rules')).map((r) => str(get(r, 'host')) ?? '').filter((h) => h !== ''),
    }),
  },
};

export const ingressClassStrategy: KindStrategy = {
  kind: 'IngressClass',
  statusSubresource: false,
  generation: true,
  defaults: defaultIngressClass,
  validate: (obj, old) => validateIngressClass(obj as IngressClass, old as IngressClass | undefined),
  printer: ingressClassPrinter,
  projection: {
    columns: { controller: 'text' },
    row: (o) => ({ controller: str(get(o, 'spec', 'controller')) }),
  },
};
