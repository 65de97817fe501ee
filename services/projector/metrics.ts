import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProjectorMetrics {
  readonly registry: Registry;
  /** Resource events written (mirrored), by outcome. */
  readonly events: Counter<'result'>;
  readonly batchSeconds: Histogram;
  readonly checkpoint: Gauge;
  /** Stream last sequence minus checkpoint. */
  readonly lag: Gauge;
  /** 1 while this instance holds the projector lock. */
  readonly active: Gauge;
  readonly errors: Counter<'stage'>;
  /** Poison messages recorded as dead letters and skipped. */
  readonly poison: Counter;
}

export function projectorMetrics(registry: Registry = new Registry()): ProjectorMetrics {
  return {
    registry,
    events: new Counter({
      name: 'jetkube_projector_events_total',
      help: 'Stream messages handled by the projector, by result (projected, skipped, other)',
      labelNames: ['result'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'jetkube_projector_batch_duration_seconds',
      help: 'Time to apply and commit one batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    checkpoint: new Gauge({
      name: 'jetkube_projector_checkpoint',
      help: 'Last stream sequence committed to the projections',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'jetkube_projector_lag_events',
      help: 'Stream last sequence minus the projector checkpoint',
      registers: [registry],
    }),
    active: new Gauge({
      name: 'jetkube_projector_active',
      help: '1 while this instance is the active projector (holds the lock), 0 on standby',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'jetkube_projector_errors_total',
      help: 'Errors that restarted a projector session, by stage',
      labelNames: ['stage'],
      registers: [registry],
    }),
    poison: new Counter({
      name: 'jetkube_projector_poison_messages_total',
      help: 'Stream messages the projector could not project (undecodable, body disagreeing with its subject, refused by the database), recorded as dead letters and skipped',
      registers: [registry],
    }),
  };
}
