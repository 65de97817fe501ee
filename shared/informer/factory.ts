/**
 * One informer per resource per process, shared by every controller in it (client-go's
 * SharedInformerFactory): controllers ask for `pods` and get the same cache and consumer. The
 * caches keep objects without metadata.managedFields (transforms.ts).
 */
import type { EventLog } from '../eventlog/event-log.js';
import type { KObject } from '../resources/meta.js';
import type { Logger } from '../log.js';
import { withoutManagedFields } from './transforms.js';
import { Informer } from './informer.js';

export interface InformerFactoryOptions {
  readonly resyncMs?: number;
  readonly logger?: Logger;
}

export class InformerFactory {
  private readonly informers = new Map<string, Informer<KObject>>();
  private started = false;

  constructor(
    private readonly el: EventLog,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /** The shared informer of `plural` (created on first use; started by start(), or at once if already started). */
  informer<T extends KObject>(plural: string): Informer<T> {
    let inf = this.informers.get(plural);
    if (!inf) {
      inf = new Informer<KObject>({
        log: this.el,
        plural,
        transform: withoutManagedFields,
        ...(this.opts.resyncMs ? { resyncMs: this.opts.resyncMs } : {}),
        ...(this.opts.logger ? { logger: this.opts.logger.child({ informer: plural }) } : {}),
      });
      this.informers.set(plural, inf);
      if (this.started) void inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
