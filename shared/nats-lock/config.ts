/**
 * The locked event log: who may do what on NATS (issue 16 item 5). Pure: builds the nats-server
 * configuration text; `server.ts` writes it and runs the server.
 *
 * Who connects to NATS at all (read from the code, not assumed):
 *  - gateway (services/gateway/index.ts): the only writer. Publishes resource and allocation events
 *    (`<prefix>.res.>`, `<prefix>.alloc.>`) with expected-sequence headers, creates and updates the
 *    stream, purges released allocations, direct-gets messages, runs ordered consumers for watches,
 *    lists and namespaces, and listens to the projector's `<prefix>-sys.checkpoint` announcements.
 *  - projector (services/projector, and `jetkube replay` / `jkctl replay`, which is the projector's
 *    rebuild): its durable pull consumer (`projector`: delete, create, fetch, ack), ordered
 *    consumers for replay, stream info, direct get; publishes the checkpoint announcement.
 *  - readers: every other service (controller-manager, scheduler, kubelet, proxy, dns, ingress)
 *    builds its informers from the stream (shared/service/context.ts: ordered consumers, stream
 *    info, direct get of a subject's newest message) and writes through the gateway. They could
 *    read through the gateway's watch instead, but the informers' "deliver last per subject" start
 *    and the per-object sequences are the design (DESIGN.md, "Informers"), so each keeps a
 *    read-only NATS user of its own, scoped to the resources it consumes (reads.ts, one table).
 *
 * How a reader is scoped: nats.js (v3, server >= 2.9) creates a consumer with one filter subject on
 * `$JS.API.CONSUMER.CREATE.<STREAM>.<name>.<filter>`, and the server refuses a body whose filter
 * differs from the subject's; a reader may only publish that form with its own resources' filters
 * (`...CREATE.<STREAM>.*.<prefix>.res.pods.>`), never the body-only form (any filter, or none).
 * Likewise a direct get only as "last by subject" (`$JS.API.DIRECT.GET.<STREAM>.<subject>`) on its
 * own subjects; by sequence (`DIRECT.GET.<STREAM>` with a body, `STREAM.MSG.GET`) it cannot be
 * scoped and is denied. What a scoped reader still sees: stream info (first/last sequence, message
 * counts: the informers' reset check), which a subjects filter in its body could widen to the
 * subject names (object names, not contents). The controller-manager reads everything (reads.ts).
 * Nothing else holds a NATS credential: jkctl and kubectl talk to the gateway; a connection without
 * a user is refused (no `no_auth_user`).
 *
 * Permissions are allow lists on the cluster's own stream (`$JS.API.*.<STREAM>`), so no user can
 * touch another stream on the same server; the deny lists say the rule outright ("only the gateway
 * writes events"; "no one but the projector drives its durable") and win over any allow.
 * Replies: every user subscribes to `_INBOX.>` (nats.js' request inboxes and pull deliveries); no
 * service answers requests, so none needs `allow_responses`.
 */

import { resourceFilter } from '../eventlog/subjects.js';
import { READER_COMPONENTS, STREAM_READERS, type ReaderComponent } from './reads.js';

export type NatsRole = 'gateway' | 'projector' | ReaderComponent;
export const NATS_ROLES: readonly NatsRole[] = ['gateway', 'projector', ...READER_COMPONENTS];

/** The projector's durable consumer (services/projector: `durableName` default). */
export const PROJECTOR_DURABLE = 'projector';

export interface SubjectPermissions {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface Permissions {
  readonly publish: SubjectPermissions;
  readonly subscribe: SubjectPermissions;
}

export interface NatsUser {
  readonly role: NatsRole;
  readonly user: string;
  readonly password: string;
}

export interface NatsServerConfigInput {
  /** The cluster's prefix: subjects `<prefix>.res.>`, stream `<PREFIX>`. */
  readonly prefix: string;
  readonly users: readonly NatsUser[];
  /** `host:port` to listen on (port -1: one the server picks). */
  readonly listen: string;
  readonly storeDir: string;
}

/** The user name each role connects as. */
export function natsUserName(role: NatsRole): string {
  return `jetkube-${role}`;
}

/** What a role may publish and subscribe to on `prefix`'s stream. */
export function natsPermissions(role: NatsRole, prefix: string): Permissions {
  const stream = prefix.toUpperCase();
  const events = [`${prefix}.res.>`, `${prefix}.alloc.>`];
  const checkpoint = `${prefix}-sys.checkpoint`;
  const api = '$JS.API';
  // Ordered consumers: ephemeral, created, fetched from and deleted by the reader that made them.
  const ownConsumers = [`${api}.CONSUMER.INFO.${stream}.*`, `${api}.CONSUMER.DELETE.${stream}.*`, `${api}.CONSUMER.MSG.NEXT.${stream}.*`];
  const wideRead = [
    `${api}.INFO`,
    `${api}.STREAM.INFO.${stream}`,
    `${api}.DIRECT.GET.${stream}`,
    `${api}.DIRECT.GET.${stream}.>`,
    `${api}.STREAM.MSG.GET.${stream}`,
    `${api}.CONSUMER.CREATE.${stream}`,
    `${api}.CONSUMER.CREATE.${stream}.>`,
    ...ownConsumers,
  ];
  const readerDeny = [
    ...events,
    checkpoint,
    `${api}.STREAM.CREATE.>`,
    `${api}.STREAM.UPDATE.>`,
    `${api}.STREAM.DELETE.>`,
    `${api}.STREAM.PURGE.>`,
    `${api}.STREAM.MSG.DELETE.>`,
    `${api}.CONSUMER.DURABLE.CREATE.>`,
    `${api}.CONSUMER.CREATE.${stream}.${PROJECTOR_DURABLE}`,
    `${api}.CONSUMER.CREATE.${stream}.${PROJECTOR_DURABLE}.>`,
    `${api}.CONSUMER.DELETE.${stream}.${PROJECTOR_DURABLE}`,
    `${api}.CONSUMER.MSG.NEXT.${stream}.${PROJECTOR_DURABLE}`,
    '$JS.ACK.>',
  ];
  const inbox = { allow: ['_INBOX.>'], deny: [] };
  switch (role) {
    case 'gateway':
      return {
        publish: {
          allow: [
            ...events,
            `${api}.INFO`,
            `${api}.STREAM.*.${stream}`,
            `${api}.STREAM.MSG.*.${stream}`,
            `${api}.DIRECT.GET.${stream}`,
            `${api}.DIRECT.GET.${stream}.>`,
            `${api}.CONSUMER.*.${stream}`,
            `${api}.CONSUMER.*.${stream}.>`,
            `${api}.CONSUMER.MSG.NEXT.${stream}.>`,
          ],
          deny: [checkpoint],
        },
        subscribe: { allow: ['_INBOX.>', checkpoint], deny: [] },
      };
    case 'projector':
      return {
        publish: {
          allow: [...wideRead, `${api}.CONSUMER.DURABLE.CREATE.${stream}.${PROJECTOR_DURABLE}`, `$JS.ACK.${stream}.${PROJECTOR_DURABLE}.>`, checkpoint],
          deny: [...events, `${api}.STREAM.CREATE.>`, `${api}.STREAM.UPDATE.>`, `${api}.STREAM.DELETE.>`, `${api}.STREAM.PURGE.>`, `${api}.STREAM.MSG.DELETE.>`],
        },
        subscribe: inbox,
      };
    default: {
      const reads = STREAM_READERS[role];
      if (reads === undefined) throw new Error(`unknown NATS role ${String(role)}`);
      if (reads === 'all') return { publish: { allow: wideRead, deny: readerDeny }, subscribe: inbox };
      const filters = reads.map((plural) => resourceFilter(prefix, plural));
      return {
        publish: {
          allow: [
            `${api}.INFO`,
            `${api}.STREAM.INFO.${stream}`,
            // a consumer on one of its resources (the filter in the subject; any consumer name)
            ...filters.map((f) => `${api}.CONSUMER.CREATE.${stream}.*.${f}`),
            // a subject's newest message, on its own subjects only
            ...filters.map((f) => `${api}.DIRECT.GET.${stream}.${f}`),
            ...ownConsumers,
          ],
          deny: [
            ...readerDeny,
            // said outright: the forms that could name any subject in a body
            `${api}.CONSUMER.CREATE.${stream}`,
            `${api}.DIRECT.GET.${stream}`,
            `${api}.STREAM.MSG.GET.${stream}`,
          ],
        },
        subscribe: inbox,
      };
    }
  }
}

/** The nats-server configuration file for these users (nats-server's config syntax). */
export function natsServerConfig(input: NatsServerConfigInput): string {
  const lines = [
    `# Generated by jetkube (shared/nats-lock/config.ts) for prefix "${input.prefix}": who may do what is`,
    '# explained there. Only the gateway user may publish events or manage the stream.',
    `listen: ${q(input.listen)}`,
    'jetstream {',
    `  store_dir: ${q(input.storeDir)}`,
    '}',
    natsAuthorization(input.prefix, input.users),
  ];
  return lines.join('\n');
}

/** The `authorization { users: [...] }` block alone (compose includes it into infra/nats.conf). */
export function natsAuthorization(prefix: string, users: readonly NatsUser[]): string {
  const lines = ['authorization {', '  users: ['];
  for (const u of users) {
    const p = natsPermissions(u.role, prefix);
    lines.push(
      `    { user: ${q(u.user)}, password: ${q(u.password)}, permissions: {`,
      `        publish: { allow: ${list(p.publish.allow)}, deny: ${list(p.publish.deny)} }`,
      `        subscribe: { allow: ${list(p.subscribe.allow)}, deny: ${list(p.subscribe.deny)} }`,
      '    } }',
    );
  }
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

const q = (s: string) => JSON.stringify(s);
const list = (xs: readonly string[]) => `[${xs.map(q).join(', ')}]`;
