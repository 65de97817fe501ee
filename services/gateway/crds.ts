/**
 * What a gateway does with each CRD event beyond serving its kind (shared/crd-watch.ts): writes
 * its status (NamesAccepted, Established, acceptedNames) when that differs from what is stored,
 * and, for a CRD being deleted, deletes its objects and then takes off Kubernetes' cleanup
 * finalizer. Every gateway does both: each write is a compare-and-swap on the CRD as the event
 * had it, and a lost race (409, 404) means another gateway did it first.
 */
import { isDeepStrictEqual } from 'node:util';
import type { EventLog, StoredEvent } from '../../shared/eventlog/index.js';
import { readLatest, resourceFilter } from '../../shared/eventlog/index.js';
import { isApiError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { resourceByKind, subjectToken } from '../../shared/resources/registry.js';
import { CRD_CLEANUP_FINALIZER, CRD_KIND, crdStatus, type Crd } from '../../shared/resources/crd.js';
import { servedResourceOf, type ServeResult } from '../../shared/resources/crd-serving.js';
import { rfc3339 } from '../../shared/resources/time.js';
import type { ObjectStore } from './store.js';
import { GATEWAY_MANAGER } from './decisions.js';

const RETRY_MS = 1_000;

const lostRace = (e: unknown) => isApiError(e) && (e.reason === 'Conflict' || e.reason === 'NotFound');

export function crdEventHandler(store: ObjectStore, log: EventLog, logger: Logger, clock: () => Date = () => new Date()) {
  const crdInfo = resourceByKind(CRD_KIND)!;
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  async function writeStatus(crd: Crd, seq: number, result: ServeResult | undefined): Promise<void> {
    const conflict = result && !result.served ? { reason: result.reason, message: result.message } : undefined;
    const status = crdStatus(crd, conflict, rfc3339(clock()), result && !result.served ? result.rejected : []);
    if (isDeepStrictEqual(status, crd.status)) return;
    try {
      await store.update(crdInfo, '', crd.metadata.name!, { ...crd, metadata: { ...crd.metadata, resourceVersion: String(seq) }, status }, { manager: GATEWAY_MANAGER }, 'status');
    } catch (e) {
      if (!lostRace(e)) throw e;
    }
  }

  /** Delete every object of the CRD's kind; true when none is left (one with finalizers may stay a while). */
  async function deleteObjects(crd: Crd): Promise<boolean> {
    const info = servedResourceOf(crd.metadata.name!);
    if (!info) return true;
    const { events } = await readLatest(log, resourceFilter(log.root, subjectToken(info)));
    let left = 0;
    for (const ev of events) {
      if (ev.type === 'DELETED') continue;
      left++;
      try {
        const after = await store.delete(info, ev.object.metadata.namespace ?? '', ev.object.metadata.name!, {});
        if (!after.metadata.deletionTimestamp || !after.metadata.finalizers?.length) left--;
      } catch (e) {
        if (!lostRace(e)) throw e;
        left--;
      }
    }
    return left === 0;
  }

  async function cleanup(crd: Crd, seq: number): Promise<void> {
    if (!crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return;
    if (!(await deleteObjects(crd))) {
      // Objects with finalizers of their own: look again in a while.
      const t = setTimeout(() => {
        timers.delete(t);
        if (stopped) return;
        void store.getLive(crdInfo, '', crd.metadata.name!).then((ev) => (ev?.object.metadata.deletionTimestamp ? cleanup(ev.object as Crd, ev.seq) : undefined))
          .catch((e: unknown) => logger.warn({ err: e, crd: crd.metadata.name }, 'CRD cleanup failed'));
      }, RETRY_MS);
      timers.add(t);
      return;
    }
    const finalizers = crd.metadata.finalizers.filter((f) => f !== CRD_CLEANUP_FINALIZER);
    try {
      await store.update(crdInfo, '', crd.metadata.name!, { ...crd, metadata: { ...crd.metadata, finalizers, resourceVersion: String(seq) } }, { manager: GATEWAY_MANAGER });
      logger.info({ crd: crd.metadata.name }, 'CRD objects deleted; cleanup finalizer removed');
    } catch (e) {
      if (!lostRace(e)) throw e;
    }
  }

  return {
    async handle(ev: StoredEvent, result: ServeResult | undefined): Promise<void> {
      if (ev.type === 'DELETED' || stopped) return;
      const crd = ev.object as Crd;
      if (crd.metadata.deletionTimestamp) await cleanup(crd, ev.seq);
      else await writeStatus(crd, ev.seq, result);
    },
    stop(): void {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
