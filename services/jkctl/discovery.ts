/**
 * The kinds a cluster serves beyond the built-in ones, found through the API as kubectl finds them:
 * `/apis` lists the served groups; a group no built-in kind belongs to is a CustomResourceDefinition's.
 * Only then are the CRDs read (one list), and each established one is served in this process
 * (shared/resources/crd-serving.ts: its registry row, its printer columns, its schema), so `get`,
 * `describe`, `apply -f` and `delete` resolve and print its kind like a built-in one.
 * A cluster that answers neither (an old gateway, no permission) leaves the built-in kinds only.
 */
import { RESOURCES } from '../../shared/resources/registry.js';
import { hasCondition, type Crd } from '../../shared/resources/crd.js';
import { serveCrd } from '../../shared/resources/crd-serving.js';
import type { Ctx } from './context.js';
import { METRICS_GROUP } from '../../shared/metrics/types.js';

interface ApiGroupList {
  readonly groups?: readonly { readonly name: string }[];
}

/** The built-in kinds' groups, and metrics.k8s.io (the gateway serves it itself: no CRD behind it). */
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([...RESOURCES.map((r) => r.group), METRICS_GROUP]);

/** The groups in an APIGroupList that no built-in kind belongs to (pure). */
export function customGroups(list: ApiGroupList): string[] {
  return (list.groups ?? []).map((g) => g.name).filter((g) => !BUILT_IN_GROUPS.has(g));
}

/** Serve the established CRDs of the custom groups the cluster serves; how many kinds that made. */
export async function discoverCustomKinds(ctx: Pick<Ctx, 'client'>): Promise<number> {
  let groups: string[];
  try {
    groups = customGroups(await ctx.client.request<ApiGroupList>('GET', '/apis'));
  } catch {
    return 0;
  }
  if (!groups.length) return 0;
  let crds: readonly Crd[];
  try {
    crds = (await ctx.client.request<{ items?: Crd[] }>('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).items ?? [];
  } catch {
    return 0;
  }
  let n = 0;
  for (const crd of crds) {
    if (!groups.includes(crd.spec?.group) || !hasCondition(crd, 'Established')) continue;
    if (serveCrd(crd).served) n++;
  }
  return n;
}
