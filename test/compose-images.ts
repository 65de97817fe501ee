/**
 * Stand-ins for the two registry images docker-compose.yml runs besides its own (no registry is
 * reachable here), made like test/docker-image.ts makes its images: a rootfs from the host's
 * binaries and their libraries, `docker import`ed.
 *
 * NATS_IMAGE, for `nats:2.10-alpine`: a nats-server ≥ 2.10 (NATS_SERVER_BIN, else the one on
 * PATH; Debian bookworm's is 2.9, which rejects infra/nats.conf's `sync_interval`, trixie's is
 * 2.10.27) and busybox (the compose healthcheck's `wget`). Its entrypoint does what the official
 * image's does: arguments starting with `-` are nats-server's, anything else is run as is; no
 * arguments: nats-server with /etc/nats/nats-server.conf.
 *
 * POSTGRES_IMAGE, for `postgres:16`: the host's PostgreSQL (the major version on PATH, 15 on
 * bookworm) with its libraries, extensions' modules and share directory, and an entrypoint that does
 * what the official image's does as far as docker-compose.yml uses it: as root it hands PGDATA to
 * the `postgres` user (uid 999, as there) and runs itself again as that user; on an empty PGDATA,
 * initdb with POSTGRES_USER (postgres) and POSTGRES_PASSWORD (required), trust on the unix socket,
 * scram-sha-256 over TCP from anywhere, POSTGRES_DB (POSTGRES_USER) created on a server listening
 * on the socket only, then the real server on *:5432 (no STOPSIGNAL: `docker import` takes none;
 * docker-compose.yml says SIGINT itself). It refuses what it does not do
 * (/docker-entrypoint-initdb.d scripts, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD) rather
 * than start without it.
 *
 * Each is rebuilt only when what it is made from changes (a label records it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { importRootfs, link, put, putBinary, skeleton, which, write } from './docker-image.js';

export const NATS_IMAGE = 'jetkube-test/nats:local';
export const POSTGRES_IMAGE = 'jetkube-test/postgres:local';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** The label holding what an image was made from; a different value rebuilds it. */
const MADE_LABEL = 'io.jetkube.test.made';
/** Bump when a recipe below changes, so cached images are rebuilt. */
const RECIPE = 1;
/** The official postgres image's user and group id. */
const POSTGRES_UID = 999;

/** A nats-server of at least 2.10 and its version, or why there is none. */
export function natsServer(): { bin: string; version: string } | { missing: string } {
  const bin = process.env.NATS_SERVER_BIN || which('nats-server');
  if (!bin) return { missing: 'no nats-server on PATH; set NATS_SERVER_BIN to a nats-server ≥ 2.10' };
  const m = /v(\d+)\.(\d+)\.(\d+)/.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '');
  if (!m) return { missing: `${bin} --version printed no version` };
  if (Number(m[1]) * 100 + Number(m[2]) < 210) {
    return { missing: `${bin} is ${m[0]}; infra/nats.conf needs nats-server ≥ 2.10 (sync_interval): set NATS_SERVER_BIN (Debian trixie's nats-server package has 2.10)` };
  }
  return { bin, version: m[0] };
}

/** The host's PostgreSQL: its bin, module and share directories and version, or why there is none. */
export function hostPostgres(): { bindir: string; pkglibdir: string; sharedir: string; version: string } | { missing: string } {
  const postgres = which('postgres');
  if (!postgres) return { missing: 'no postgres on PATH to build the Postgres stand-in image from' };
  const bindir = dirname(postgres);
  const pgConfig = join(bindir, 'pg_config');
  if (!existsSync(pgConfig)) return { missing: `no pg_config next to ${postgres}` };
  const [pkglibdir, sharedir, version] = spawnSync(pgConfig, ['--pkglibdir', '--sharedir', '--version'], { encoding: 'utf8' }).stdout.trim().split('\n');
  for (const tool of ['initdb', 'pg_ctl', 'psql', 'pg_isready']) {
    if (!existsSync(join(bindir, tool))) return { missing: `no ${tool} in ${bindir}` };
  }
  if (!which('setpriv')) return { missing: 'no setpriv (util-linux) on the host for the Postgres image to drop root with' };
  return { bindir, pkglibdir: pkglibdir!, sharedir: sharedir!, version: version! };
}

/** busybox and its applets at /bin (sh, wget, id, chown, mktemp, ...). */
function putBusybox(root: string): void {
  const busybox = which('busybox');
  if (!busybox) throw new Error('busybox was not found on the host (Debian: apt-get install busybox-static)');
  putBinary(root, busybox, '/bin/busybox');
  const applets = spawnSync(busybox, ['--list-full'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of applets) link(root, '/bin/busybox', `/${applet}`);
}

/** The official nats image's entrypoint, in effect. */
const NATS_ENTRYPOINT = `#!/bin/sh
# jetkube-test/nats: flags are nats-server's; anything else runs as given.
set -e
if [ "$#" -eq 0 ] || [ "\${1#-}" != "$1" ]; then
  set -- nats-server "$@"
fi
exec "$@"
`;

/** The config the official image starts with when given no arguments. */
const NATS_DEFAULT_CONF = `port: 4222
http_port: 8222
`;

function buildNatsRootfs(root: string, bin: string): void {
  skeleton(root);
  putBusybox(root);
  putBinary(root, bin, '/usr/local/bin/nats-server');
  write(root, '/usr/local/bin/docker-entrypoint.sh', NATS_ENTRYPOINT);
  chmodSync(join(root, 'usr/local/bin/docker-entrypoint.sh'), 0o755);
  write(root, '/etc/nats/nats-server.conf', NATS_DEFAULT_CONF);
  write(root, '/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write(root, '/etc/group', 'root:x:0:\n');
  write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
  if (existsSync(CA_BUNDLE)) put(root, CA_BUNDLE, CA_BUNDLE, 0o644);
  mkdirSync(join(root, 'data'));
}

/**
 * The official postgres image's entrypoint, as far as docker-compose.yml uses it (see the top of
 * this file). Written in busybox sh.
 */
const POSTGRES_ENTRYPOINT = `#!/bin/sh
# jetkube-test/postgres: a stand-in for the official image's docker-entrypoint.sh.
set -eu
if [ "\${1#-}" != "$1" ]; then set -- postgres "$@"; fi
[ "$1" = postgres ] || exec "$@"
: "\${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 3777 /var/run/postgresql
  # (by its path: busybox sh would run its own setpriv applet, which cannot change users)
  exec /usr/bin/setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
refuse() { echo "error: $*" >&2; exit 1; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "\${POSTGRES_PASSWORD:-}" ] || refuse "the database is uninitialized and POSTGRES_PASSWORD is not set"
  [ -z "\${POSTGRES_INITDB_ARGS:-}" ] || refuse "POSTGRES_INITDB_ARGS is not supported by this stand-in image"
  [ -z "\${POSTGRES_HOST_AUTH_METHOD:-}" ] || refuse "POSTGRES_HOST_AUTH_METHOD is not supported by this stand-in image (scram-sha-256 only)"
  if [ -d /docker-entrypoint-initdb.d ] && [ -n "$(ls -A /docker-entrypoint-initdb.d)" ]; then
    refuse "/docker-entrypoint-initdb.d scripts are not supported by this stand-in image"
  fi
  user="\${POSTGRES_USER:-postgres}"
  db="\${POSTGRES_DB:-$user}"
  pwfile="$(mktemp)"
  printf '%s\\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" --username="$user" --pwfile="$pwfile" -E UTF8 --locale=C --auth-local=trust --auth-host=scram-sha-256
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\\n' >>"$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\\n" >>"$PGDATA/postgresql.conf"
  # the first start's work on the unix socket only: nothing reaches it over TCP meanwhile
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start
  if [ "$db" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \\"$db\\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
`;

function buildPostgresRootfs(root: string, pg: { bindir: string; pkglibdir: string; sharedir: string }): void {
  skeleton(root);
  putBusybox(root);
  putBinary(root, which('setpriv')!, '/usr/bin/setpriv');
  // The same paths as on the host: PostgreSQL finds its modules and share directory relative to its binaries.
  for (const tool of ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_isready']) putBinary(root, join(pg.bindir, tool), join(pg.bindir, tool));
  // Modules (plpgsql, snowball dictionaries, encoding conversions, ...), without the LLVM JIT (optional and large).
  for (const f of readdirSync(pg.pkglibdir)) {
    if (f.endsWith('.so') && !f.startsWith('llvmjit')) putBinary(root, join(pg.pkglibdir, f), join(pg.pkglibdir, f));
  }
  cpSync(pg.sharedir, join(root, pg.sharedir), { recursive: true, dereference: true });
  // Debian builds PostgreSQL against the system's time zone database.
  if (existsSync('/usr/share/zoneinfo')) cpSync('/usr/share/zoneinfo', join(root, 'usr/share/zoneinfo'), { recursive: true, verbatimSymlinks: true });
  write(root, '/usr/local/bin/docker-entrypoint.sh', POSTGRES_ENTRYPOINT);
  chmodSync(join(root, 'usr/local/bin/docker-entrypoint.sh'), 0o755);
  write(root, '/etc/passwd', `root:x:0:0:root:/root:/bin/sh\npostgres:x:${POSTGRES_UID}:${POSTGRES_UID}::/var/lib/postgresql:/bin/sh\n`);
  write(root, '/etc/group', `root:x:0:\npostgres:x:${POSTGRES_UID}:\n`);
  write(root, '/etc/nsswitch.conf', 'hosts: files dns\n');
  for (const [dir, mode] of [['var/lib/postgresql/data', 0o700], ['var/run/postgresql', 0o3777]] as const) {
    mkdirSync(dirname(join(root, dir)), { recursive: true }); // the parents 0755, not `mode`
    mkdirSync(join(root, dir));
    chmodSync(join(root, dir), mode);
  }
}

/** Import `image` from `build` unless the one there was made from `made`; returns whether it was (re)made. */
async function ensureImported(
  docker: Dockerode,
  image: string,
  made: string,
  build: (root: string) => void,
  changes: readonly string[],
  owned: readonly string[] = [],
  owner?: number,
): Promise<boolean> {
  const old = await docker.getImage(image).inspect().catch(() => undefined);
  if (old?.Config.Labels?.[MADE_LABEL] === made) return false;
  await importRootfs(docker, image, build, [...changes, `LABEL ${MADE_LABEL}="${made}"`], owned, owner);
  if (old) await docker.getImage(old.Id).remove().catch(() => undefined); // the replaced one, now untagged
  return true;
}

/** NATS_IMAGE from nats-server `bin` (see the top of this file); returns whether it was (re)made. */
export function ensureNatsImage(docker: Dockerode, bin: string, version: string): Promise<boolean> {
  return ensureImported(docker, NATS_IMAGE, `nats-server ${version} (${bin}), recipe ${RECIPE}`, (root) => buildNatsRootfs(root, bin), [
    `ENV PATH=${PATH}`,
    'EXPOSE 4222 6222 8222',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["nats-server", "--config", "/etc/nats/nats-server.conf"]',
  ]);
}

/** POSTGRES_IMAGE from the host's PostgreSQL (see the top of this file); returns whether it was (re)made. */
export function ensurePostgresImage(docker: Dockerode, pg: { bindir: string; pkglibdir: string; sharedir: string; version: string }): Promise<boolean> {
  const made = `${pg.version} (${pg.bindir}), recipe ${RECIPE}`;
  return ensureImported(
    docker,
    POSTGRES_IMAGE,
    made,
    (root) => buildPostgresRootfs(root, pg),
    [
      `ENV PATH=${pg.bindir}:${PATH}`,
      'ENV PGDATA=/var/lib/postgresql/data',
      'EXPOSE 5432',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["postgres"]',
    ],
    ['var/lib/postgresql', 'var/run/postgresql'],
    POSTGRES_UID,
  );
}
