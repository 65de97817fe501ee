/**
 * Every Node gets a pod range (Kubernetes' node IPAM, done at admission instead of by a controller):
 * on create, a node without `spec.podCIDR` gets a block of the cluster pod range; a range the
 * client gives is kept as is and reserved too, so two live nodes never share addresses. The
 * node's tombstone releases it.
 *
 * Reservations are kept per block of the cluster range (pool `podcidrs`, one value per /24), so an
 * explicit CIDR clashes with any live node whose block it overlaps; a CIDR outside the cluster range
 * is reserved under its own canonical text (it clashes only with the same range).
 */
import { isIP } from 'node:net';
import { ApiError, invalid, type StatusCause } from '../../shared/errors.js';
import { forbidden, index, invalidValue } from '../../shared/resources/field-errors.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';
import type { Allocator, Holder } from './allocator.js';
import { blocksCovering, candidateBlocks, canonicalCidr, formatCidr, parseIpv4Cidr, type BlockRange } from './cidr.js';
import type { Reservations } from './reservations.js';

export const POD_CIDR_POOL = 'podcidrs';
export const DEFAULT_CLUSTER_POD_CIDR = '127.64.0.0/10';
/** An explicit range may cover at most this many blocks of the cluster range (a /16 of /24s). */
const MAX_BLOCKS = 256;

interface NodeSpecCidrs {
  podCIDR?: string;
  podCIDRs?: string[];
}

/**
 * The node's ranges as Kubernetes reads them: `podCIDRs` when set, else `[podCIDR]` (the v1
 * conversion rule: podCIDR is podCIDRs[0]).
 */
export function nodeCidrs(obj: KObject | undefined): string[] {
  const spec = (obj?.spec ?? {}) as NodeSpecCidrs;
  if (spec.podCIDRs?.length) return [...spec.podCIDRs];
  return spec.podCIDR ? [spec.podCIDR] : [];
}

export function withNodeCidrs(obj: KObject, cidrs: readonly string[]): KObject {
  const spec = { ...(obj.spec as object) } as NodeSpecCidrs;
  if (cidrs.length) {
    spec.podCIDR = cidrs[0]!;
    spec.podCIDRs = [...cidrs];
  } else {
    delete spec.podCIDR;
    delete spec.podCIDRs;
  }
  return { ...obj, spec };
}

const fieldOf = (i: number) => (i === 0 ? 'spec.podCIDR' : index('spec.podCIDRs', i));

/**
 * The reservation values a node's ranges occupy (pure). Throws Invalid for more than one range per
 * IP family or a range too large to reserve.
 */
export function reservationKeys(blocks: BlockRange, name: string, cidrs: readonly string[]): string[][] {
  const causes: StatusCause[] = [];
  const families = cidrs.map((c) => isIP(c.split('/')[0] ?? ''));
  if (cidrs.length > 2 || new Set(families).size !== families.length) {
    causes.push(invalidValue('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  }
  const keys = cidrs.map((c, i) => {
    const v4 = parseIpv4Cidr(c);
    if (!v4) return [c.toLowerCase()];
    const covered = blocksCovering(blocks, v4, MAX_BLOCKS);
    if (covered === undefined) {
      causes.push(invalidValue(fieldOf(i), c, `overlaps the cluster pod range ${formatCidr(blocks.range)} and would cover more than ${MAX_BLOCKS} node ranges; use a prefix of /${blocks.blockBits - 8} or longer`));
      return [];
    }
    return covered.length ? covered : [formatCidr(canonicalCidr(v4))];
  });
  if (causes.length) throw invalid('Node', '', name, causes);
  return keys;
}

export class NodePodCidrs implements Reservations {
  constructor(
    private readonly alloc: Allocator,
    readonly blocks: BlockRange,
  ) {}

  applies(info: ResourceInfo): boolean {
    return info.kind === 'Node';
  }

  async acquire(_info: ResourceInfo, obj: KObject, old: KObject | undefined, dryRun: boolean): Promise<KObject> {
    const name = obj.metadata.name!;
    const spec = (obj.spec ?? {}) as NodeSpecCidrs;
    if (spec.podCIDR && spec.podCIDRs?.length && spec.podCIDRs[0] !== spec.podCIDR) {
      // Kubernetes would silently keep podCIDRs; saying so is clearer than ignoring the change.
      throw invalid('Node', '', name, [invalidValue('spec.podCIDR', spec.podCIDR, `must be the first entry of spec.podCIDRs (${spec.podCIDRs[0]})`)]);
    }
    const want = nodeCidrs(obj);
    if (old) {
      const had = nodeCidrs(old);
      if (had.length) {
        if (had.length !== want.length || had.some((c, i) => c !== want[i])) {
          throw invalid('Node', '', name, [forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')]);
        }
        return withNodeCidrs(obj, want);
      }
      if (!want.length) return obj;
    }
    const holder: Holder = { kind: 'Node', name, uid: obj.metadata.uid! };
    if (!want.length) {
      const v = await this.alloc.reserve(POD_CIDR_POOL, holder, candidateBlocks(this.blocks, name), { dryRun });
      if (!v) {
        throw new ApiError('InternalError', `failed to allocate a pod CIDR for node "${name}": the cluster pod range ${formatCidr(this.blocks.range)} is full`);
      }
      return withNodeCidrs(obj, [v]);
    }
    const keys = reservationKeys(this.blocks, name, want);
    // Several values: check them all first, so a clash on the last one usually writes nothing.
    if (!dryRun && keys.flat().length > 1) await this.take(holder, want, keys, true);
    await this.take(holder, want, keys, dryRun);
    return withNodeCidrs(obj, want);
  }

  async release(_info: ResourceInfo, obj: KObject): Promise<void> {
    const uid = obj.metadata.uid;
    if (!uid) return;
    let keys: string[];
    try {
      keys = reservationKeys(this.blocks, obj.metadata.name ?? '', nodeCidrs(obj)).flat();
    } catch {
      return; // ranges that could never have been reserved
    }
    await this.releaseKeys(keys, uid);
  }

  /** Reserve every value of every range, or none: a clash gives back what was taken and throws Invalid. */
  private async take(holder: Holder, cidrs: readonly string[], keys: readonly (readonly string[])[], dryRun: boolean): Promise<void> {
    const taken: string[] = [];
    for (let i = 0; i < cidrs.length; i++) {
      for (const k of keys[i]!) {
        if (await this.alloc.reserve(POD_CIDR_POOL, holder, [k], { dryRun })) {
          taken.push(k);
          continue;
        }
        const res = await this.alloc.get(POD_CIDR_POOL, k).catch(() => undefined);
        if (!dryRun) await this.releaseKeys(taken, holder.uid);
        const who = res?.holder ? ` to node "${res.holder.name}"` : '';
        const what = k === cidrs[i] ? 'is already allocated' : `overlaps ${k}, which is already allocated`;
        throw invalid('Node', '', holder.name, [invalidValue(fieldOf(i), cidrs[i], `failed to allocate pod CIDR ${cidrs[i]}: it ${what}${who}`)]);
      }
    }
  }

  private async releaseKeys(keys: readonly string[], uid: string): Promise<void> {
    // Best effort: a reservation left behind is stale once its node is gone, and gets taken over.
    await Promise.all(keys.map((k) => this.alloc.release(POD_CIDR_POOL, k, uid).catch(() => false)));
  }
}
