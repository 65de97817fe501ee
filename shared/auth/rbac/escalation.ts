/**
 * Escalation prevention (Kubernetes' rbac/validation ConfirmNoEscalation and policy_comparator):
 * a user may grant (in a role, or by binding a role) only rules they hold themselves. The rules
 * to grant are broken down into one verb on one group/resource/name (or one verb on one URL), each
 * piece must be covered by one of the user's rules, and what is missing is reported compacted
 * (pieces of one group and resource merged across verbs), one CompactString a line, sorted.
 */
import type { UserInfo } from '../user.js';
import type { PolicyRule } from '../../resources/rbac.js';
import { ALL } from './rules.js';

/** One rule per verb × group × resource (× name), or per verb × URL. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: [verb] });
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const has = (set: readonly string[] | undefined, v: string) => (set ?? []).includes(v);
const hasAll = (set: readonly string[] | undefined, vs: readonly string[] | undefined) => (vs ?? []).every((v) => has(set, v));

function resourceCoversAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if (has(owner, ALL) || hasAll(owner, wanted)) return true;
  return (wanted ?? []).every((path) => {
    if (has(owner, path)) return true;
    const slash = path.indexOf('/');
    return slash >= 0 && has(owner, `*/${path.slice(slash + 1)}`);
  });
}

function nonResourceURLCovers(owner: string, wanted: string): boolean {
  if (owner === wanted) return true;
  if (!owner.endsWith('*')) return false;
  return wanted.startsWith(owner.replace(/\*+$/, ''));
}

function nonResourceURLsCoverAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => (owner ?? []).some((o) => nonResourceURLCovers(o, w)));
}

/** Does `owner` grant everything `sub` does (ruleCovers)? */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, ALL) || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, ALL) || hasAll(owner.apiGroups, sub.apiGroups);
  const names = !sub.resourceNames?.length ? !owner.resourceNames?.length : !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames);
  return verbs && groups && resourceCoversAll(owner.resources, sub.resources) && names && nonResourceURLsCoverAll(owner.nonResourceURLs, sub.nonResourceURLs);
}

/** Whether `owner` covers all of `servant`, and the broken-down pieces it does not. */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const rule of servant) for (const piece of breakdownRule(rule)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return { covered: missing.length === 0, missing };
}

/** Merge rules with one group and one resource and nothing else that differ only in verbs (CompactRules). */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const r of rules) {
    const isSimple = r.apiGroups?.length === 1 && r.resources?.length === 1 && !r.resourceNames?.length && !r.nonResourceURLs?.length;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0]]);
    const cur = simple.get(key);
    if (cur) {
      for (const v of r.verbs) if (!cur.verbs.includes(v)) cur.verbs.push(v);
    } else {
      const merged = { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...r.verbs] };
      simple.set(key, merged);
      out.push(merged);
    }
  }
  return out;
}

/** Go's %q of a []string: `["a" "b"]`. */
const goQuoteList = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;

/** PolicyRule.CompactString: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoteList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoteList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoteList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoteList(r.resourceNames)}`);
  if (r.verbs.length) parts.push(`Verbs:${goQuoteList(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * The refusal's text when `user`, holding `owner`, grants `wanted`; undefined when nothing is
 * missing. `resolutionErrors`: bindings whose roles could not be found.
 */
export function escalationMessage(user: UserInfo, owner: readonly PolicyRule[], wanted: readonly PolicyRule[], resolutionErrors: readonly string[] = []): string | undefined {
  const { covered, missing } = covers(owner, wanted);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoteList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (resolutionErrors.length) msg += `; resolution errors: [${resolutionErrors.join(' ')}]`;
  return msg;
}
