/**
 * The projector's durable pull consumer. The Postgres checkpoint, not the consumer's ack floor, is
 * the truth: every session deletes the durable and creates it again at checkpoint + 1, which handles
 * a checkpoint ahead of the consumer (replay, restore) and behind it (database lost) alike.
 */
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  ReplayPolicy,
  type ConsumerConfig,
  type JetStreamManager,
} from '@nats-io/jetstream';

const CONSUMER_NOT_FOUND = 10014;

export interface DurableOptions {
  readonly stream: string;
  readonly name: string;
  /** First sequence to deliver (checkpoint + 1). */
  readonly startSeq: number;
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
}

export async function recreateDurable(jsm: JetStreamManager, o: DurableOptions): Promise<void> {
  try {
    await jsm.consumers.delete(o.stream, o.name);
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === CONSUMER_NOT_FOUND)) throw e;
  }
  const cfg: Partial<ConsumerConfig> = {
    durable_name: o.name,
    // One ack per committed batch (its highest sequence) covers the whole batch.
    ack_policy: AckPolicy.All,
    ack_wait: o.ackWaitMs * 1_000_000,
    max_ack_pending: o.maxAckPending,
    max_deliver: -1,
    replay_policy: ReplayPolicy.Instant,
    ...(o.startSeq > 1
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: o.startSeq }
      : { deliver_policy: DeliverPolicy.All }),
  };
  await jsm.consumers.add(o.stream, cfg);
}
