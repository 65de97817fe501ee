/**
 * `jetkube up --secure` locks the stores (issue 16 item 5): unless NATS_URL names a server, `up`
 * runs its own nats-server with the generated users (shared/nats-lock), and when DATABASE_URL is a
 * superuser it makes the cluster's Postgres roles (shared/db/roles.ts). Each service then connects
 * as its role: the gateway writes the stream and reads Postgres, the projector consumes the stream
 * and writes Postgres, every other service only reads the stream.
 */
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import { schemaName } from '../../shared/config.js';
import { startLockedNats, type LockedNats } from '../../shared/nats-lock/server.js';
import type { NatsRole } from '../../shared/nats-lock/config.js';
import { dbRoleNames, ensureRoles, isSuperuser, urlAsRole, type DbRoles } from '../../shared/db/roles.js';
import { loadOrCreatePasswords } from '../../shared/passwords-file.js';

export interface LockedStores {
  /** The configuration a service of this role runs with. */
  configFor(role: NatsRole, cfg: Config): Config;
  close(): Promise<void>;
}

/** The NATS role of each service `up` runs (kubelets: `reader`). */
export function natsRoleOf(service: string): NatsRole {
  return service === 'gateway' ? 'gateway' : service === 'projector' ? 'projector' : 'reader';
}

/** Lock what `up` may lock: its own NATS (NATS_URL unset) and Postgres roles (superuser DATABASE_URL). */
export async function lockStores(cfg: Config, dataDir: string, env: NodeJS.ProcessEnv, log: Logger): Promise<LockedStores> {
  let nats: LockedNats | undefined;
  if (!env.NATS_URL) {
    nats = await startLockedNats(join(dataDir, 'nats'), cfg.prefix);
    log.info({ url: nats.url, config: nats.configFile }, 'locked nats-server started');
  } else {
    log.warn({ natsUrl: cfg.natsUrl }, 'NATS_URL is set: using that server as it is (not locked by jetkube up)');
  }
  let roles: DbRoles | undefined;
  if (await isSuperuser(cfg.databaseUrl)) {
    const names = dbRoleNames(cfg.prefix);
    const pw = await loadOrCreatePasswords(join(dataDir, 'postgres', 'credentials.json'), ['projector', 'gateway'] as const);
    roles = { projector: { name: names.projector, password: pw.projector }, gateway: { name: names.gateway, password: pw.gateway } };
    await ensureRoles(cfg.databaseUrl, schemaName(cfg.prefix), roles);
    log.info({ projector: names.projector, gateway: names.gateway }, 'Postgres roles ensured: the projector writes, the gateway reads');
  } else {
    log.warn('DATABASE_URL is not a superuser: Postgres roles not made, every service uses DATABASE_URL as it is');
  }
  return {
    configFor(role, c) {
      const dbRole = role === 'gateway' ? roles?.gateway : role === 'projector' ? roles?.projector : undefined;
      return {
        ...c,
        ...(nats ? { natsUrl: nats.url, natsCredentials: nats.credentials[role] } : {}),
        ...(dbRole ? { databaseUrl: urlAsRole(c.databaseUrl, dbRole) } : {}),
      };
    },
    close: async () => nats?.close(),
  };
}
