/**
 * How one PolicyRule matches one request, as Kubernetes' RBAC authorizer decides it
 * (rbac.RuleAllows and rbac/v1 helpers): verbs and apiGroups match exactly or by `*`; resources
 * by `*`, by `resource` or `resource/subresource`, or by a star, a slash and the subresource for any resource's
 * subresource; resourceNames, when listed, must hold the request's name (a request without a
 * name, such as a list or a create, never matches a rule with resourceNames); non-resource URLs
 * match exactly, by `*`, or by a prefix ending in `*`.
 */
import type { RequestAttributes } from '../user.js';
import type { PolicyRule } from '../../resources/rbac.js';

export const ALL = '*';

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === ALL || v === verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === ALL || g === group);
}

/** `combined` is `resource` or `resource/subresource`; `subresource` is the request's subresource ('' for none). */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (!rule.resourceNames?.length) return true;
  return rule.resourceNames.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
  }
  return false;
}

export function ruleAllows(a: RequestAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path ?? '');
  const sub = a.subresource ?? '';
  const combined = sub ? `${a.resource ?? ''}/${sub}` : (a.resource ?? '');
  return apiGroupMatches(rule, a.apiGroup ?? '') && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, a.name ?? '');
}
