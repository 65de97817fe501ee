/**
 * `jetkube up --secure` locks the stores (issue 16 item 5): unless NATS_URL names a server, `up`
 * runs its own nats-server with the generated users (shared/nats-lock), and when DATABASE_URL is a
 * superuser it also makes the cluster's Postgres roles (shared/db/roles.ts). Each service then connects
 * as its role: the gateway writes the stream and reads Postgres, the projector consumes the stream
 * and writes Postgres, every other service reads only its own resources from the stream, each as a
 * NATS user of its own (shared/nats-lock/reads.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import { schemaName } from '../../shared/config.js';
import { startLockedNats } from '../../shared/nats-lock/server.js';
import { NATS_ROLES, natsAuthorization, natsUserName, type NatsRole } from '../../shared/nats-lock/config.js';
import { isReaderComponent } from '../../shared/nats-lock/reads.js';
import { dbRoleNames, ensureRoles, isSuperuser, urlAsRole, type DbRoles } from '../../shared/db/roles.js';
import { readOrCreateSecret } from '../../shared/secret-file.js';

export interface LockedStores {
  /** The configuration a service of this role runs with. */
  configFor(role: NatsRole, cfg: Config): Config;
  close(): Promise<void>;
}

/** The NATS role of each service `up` runs: its own user (shared/nats-lock/reads.ts says what it reads). */
export function natsRoleOf(service: string): NatsRole {
  if (service === 'gateway' || service === 'projector' || isReaderComponent(service)) return service;
  throw new Error(`no NATS role for service ${service}`);
}

/**
 * Lock the stores `up` runs with: its own nats-server, and the Postgres roles when DATABASE_URL is
 * a superuser. Undefined when NATS_URL names a server: that server, and the database, are used as
 * they are (as before; tests share one unlocked server that way).
 */
export async function lockStores(cfg: Config, dataDir: string, env: NodeJS.ProcessEnv, log: Logger): Promise<LockedStores | undefined> {
  if (env.NATS_URL) {
    log.warn({ natsUrl: cfg.natsUrl }, 'NATS_URL is set: NATS and Postgres are used as they are (not locked by jetkube up)');
    return undefined;
  }
  const secrets = await roleSecrets(join(dataDir, 'secrets'));
  const nats = await startLockedNats(join(dataDir, 'nats'), cfg.prefix, secrets.nats);
  log.info({ url: nats.url, config: nats.configFile }, 'locked nats-server started');
  let roles: DbRoles | undefined;
  try {
    if (await isSuperuser(cfg.databaseUrl)) {
      roles = dbRoles(cfg.prefix, secrets);
      await ensureRoles(cfg.databaseUrl, schemaName(cfg.prefix), roles);
      log.info({ projector: roles.projector.name, gateway: roles.gateway.name }, 'Postgres roles ensured: the projector writes, the gateway reads');
    } else {
      log.warn('DATABASE_URL is not a superuser: Postgres roles not made, every service uses DATABASE_URL as it is');
    }
  } catch (e) {
    await nats.close();
    throw e;
  }
  return {
    configFor(role, c) {
      const dbRole = role === 'gateway' ? roles?.gateway : role === 'projector' ? roles?.projector : undefined;
      return {
        ...c,
        natsUrl: nats.url,
        natsCredentials: nats.credentials[role],
        ...(dbRole ? { databaseUrl: urlAsRole(c.databaseUrl, dbRole) } : {}),
      };
    },
    close: () => nats.close(),
  };
}

/**
 * The roles' secrets under `dir` (`<dir>/<role>/nats-password`, and for the gateway and the projector
 * `postgres-password`), made once and kept: `up` keeps them in `<dataDir>/secrets`, compose in one
 * volume per role (mode 0644 there: its services run as `node` or root, and only the role's own
 * containers mount its volume).
 */
async function roleSecrets(dir: string, mode = 0o600): Promise<{ nats: Record<NatsRole, string>; postgres: { projector: string; gateway: string } }> {
  const secret = (role: string, name: string) => readOrCreateSecret(join(dir, role, name), mode);
  const nats = Object.fromEntries(await Promise.all(NATS_ROLES.map(async (r) => [r, await secret(r, 'nats-password')] as const))) as Record<NatsRole, string>;
  return { nats, postgres: { projector: await secret('projector', 'postgres-password'), gateway: await secret('gateway', 'postgres-password') } };
}

function dbRoles(prefix: string, secrets: { postgres: { projector: string; gateway: string } }): DbRoles {
  const names = dbRoleNames(prefix);
  return { projector: { name: names.projector, password: secrets.postgres.projector }, gateway: { name: names.gateway, password: secrets.postgres.gateway } };
}

/**
 * Compose's one-shot `stores-init` service (`jetkube init-stores <dir>`), at every start: each
 * role's secrets in `<dir>/<role>/` (roleSecrets; a volume per role), the NATS users as
 * `<dir>/nats/auth.conf`, which infra/nats.conf includes, and the Postgres roles (DATABASE_URL:
 * the superuser).
 */
export async function initStores(cfg: Config, dir: string, log: Logger): Promise<void> {
  const secrets = await roleSecrets(dir, 0o644);
  const auth = natsAuthorization(cfg.prefix, NATS_ROLES.map((role) => ({ role, user: natsUserName(role), password: secrets.nats[role] })));
  await mkdir(join(dir, 'nats'), { recursive: true });
  await writeFile(join(dir, 'nats', 'auth.conf'), `# Generated by jetkube init-stores (shared/nats-lock/config.ts), prefix "${cfg.prefix}".\n${auth}`, { mode: 0o600 });
  const roles = dbRoles(cfg.prefix, secrets);
  await ensureRoles(cfg.databaseUrl, schemaName(cfg.prefix), roles);
  log.info({ dir, natsUsers: NATS_ROLES.map(natsUserName), postgresRoles: [roles.projector.name, roles.gateway.name] }, 'stores locked: NATS users and Postgres roles ready');
}
