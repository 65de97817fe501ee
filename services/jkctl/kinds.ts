/**
 * The words users type for kinds and objects, as kubectl reads them: `po`, `pods`, `pod`, `Pod`,
 * `deployment.apps`, `deployments.v1.apps`; `KIND NAME...` or `KIND/NAME...`; and the names kubectl
 * prints back (`deployment.apps/web`, `pod "x"`).
 */
import { allResources, type ResourceInfo } from '../../shared/resources/registry.js';
import { CliError, UsageError } from './errors.js';

/**
 * The resource a word names (plural, singular, kind or short name, optionally `.group` or
 * `.version.group`), among the built-in kinds and the custom ones discovered (discovery.ts).
 */
export function findKind(word: string): ResourceInfo | undefined {
  const w = word.toLowerCase();
  const dot = w.indexOf('.');
  const name = dot > 0 ? w.slice(0, dot) : w;
  const group = dot > 0 ? w.slice(dot + 1) : undefined;
  return allResources().find(
    (r) =>
      (r.plural === name || r.singular === name || r.kind.toLowerCase() === name || r.shortNames.includes(name)) &&
      (group === undefined || (r.group !== '' && (r.group === group || `${r.version}.${r.group}` === group))),
  );
}

/** findKind, or kubectl's error for a word it does not know. */
export function resolveKind(word: string): ResourceInfo {
  const info = findKind(word);
  if (!info) throw new CliError(`the server doesn't have a resource type "${word}"`);
  return info;
}

/** `deployment.apps`, `pod`, `lease.coordination.k8s.io`: how kubectl names a kind in its output. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group ? `${info.singular}.${info.group}` : info.singular;
}

/** `deployment.apps/web` (apply, scale, rollout, -o name). */
export function slashName(info: ResourceInfo, name: string): string {
  return `${qualifiedKind(info)}/${name}`;
}

/** `deployment.apps "web"` (delete). */
export function quotedName(info: ResourceInfo, name: string): string {
  return `${qualifiedKind(info)} "${name}"`;
}

/** One kind and the names asked for (none: the whole collection). */
export interface Target {
  readonly info: ResourceInfo;
  readonly names: readonly string[];
}

/**
 * `KIND[,KIND...] [NAME...]` or `KIND/NAME [KIND/NAME...]`. Names of one kind are grouped, in order
 * of first appearance.
 */
export function parseTargets(args: readonly string[]): Target[] {
  if (!args.length) throw new UsageError('you must specify the type of resource');
  if (args[0]!.includes('/')) {
    const groups = new Map<ResourceInfo, string[]>();
    for (const a of args) {
      const i = a.indexOf('/');
      if (i <= 0 || i === a.length - 1) {
        throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'jkctl get resource/<resource_name>' instead of 'jkctl get resource resource/<resource_name>'`);
      }
      const info = resolveKind(a.slice(0, i));
      groups.set(info, [...(groups.get(info) ?? []), a.slice(i + 1)]);
    }
    return [...groups].map(([info, names]) => ({ info, names }));
  }
  const names = args.slice(1);
  if (names.some((n) => n.includes('/'))) {
    throw new UsageError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'jkctl get resource/<resource_name>' instead of 'jkctl get resource resource/<resource_name>'`);
  }
  const kinds = args[0]!.split(',').filter(Boolean);
  if (!kinds.length) throw new UsageError('you must specify the type of resource');
  return kinds.map((k) => ({ info: resolveKind(k), names }));
}

/** Exactly one object: `KIND/NAME` or `KIND NAME` (scale, rollout, logs). */
export function parseSingle(args: readonly string[], verb: string): { info: ResourceInfo; name: string } {
  const targets = parseTargets(args);
  const t = targets[0]!;
  if (targets.length !== 1 || t.names.length !== 1) throw new UsageError(`${verb} takes exactly one object: KIND/NAME or KIND NAME`);
  return { info: t.info, name: t.names[0]! };
}
