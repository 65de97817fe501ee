/**
 * The port through which the gateway's write path takes and gives back cross-object allocations
 * (node pod CIDRs, service cluster IPs and node ports). The store calls `acquire` after it
 * has read the object's subject and before it publishes (the allocator's contract), and `release`
 * after a tombstone or a create that definitely failed, and `afterUpdate` once an update is written.
 */
import type { KObject } from '../../shared/resources/meta.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';

export interface Reservations {
  /** Whether objects of this kind hold reservations at all. */
  applies(info: ResourceInfo): boolean;
  /**
   * Fill in and reserve what `obj` needs; returns the object to write. `old` is the object being
   * updated (undefined on create). With `dryRun`, checks and fills in without reserving. Throws
   * an ApiError (Invalid with a field cause) when a requested value is taken.
   */
  acquire(info: ResourceInfo, obj: KObject, old: KObject | undefined, dryRun: boolean): Promise<KObject>;
  /** Release what `obj` holds (only reservations held by its uid). Best effort: a leftover goes stale. */
  release(info: ResourceInfo, obj: KObject): Promise<void>;
  /** After an update of `old` to `next` is written: give back what `next` no longer holds. */
  afterUpdate?(info: ResourceInfo, next: KObject, old: KObject): Promise<void>;
}

/** Several kinds' reservations behind one port: each call goes to the first part that applies. */
export class ReservationSet implements Reservations {
  constructor(private readonly parts: readonly Reservations[]) {}

  private partFor(info: ResourceInfo): Reservations | undefined {
    return this.parts.find((p) => p.applies(info));
  }

  applies(info: ResourceInfo): boolean {
    return this.partFor(info) !== undefined;
  }

  acquire(info: ResourceInfo, obj: KObject, old: KObject | undefined, dryRun: boolean): Promise<KObject> {
    const part = this.partFor(info);
    return part ? part.acquire(info, obj, old, dryRun) : Promise.resolve(obj);
  }

  async release(info: ResourceInfo, obj: KObject): Promise<void> {
    await this.partFor(info)?.release(info, obj);
  }

  async afterUpdate(info: ResourceInfo, next: KObject, old: KObject): Promise<void> {
    await this.partFor(info)?.afterUpdate?.(info, next, old);
  }
}

