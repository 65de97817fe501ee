/** The compose CLI, v2 (`docker compose`) or v1 (`docker-compose`), for the compose suites. */
import { run } from './e2e/cli.js';

/**
 * `docker compose` or `docker-compose`, whichever answers (v2 first), or only the one
 * JETKUBE_TEST_COMPOSE_CLI names (`docker-compose`: v1 on a machine with both); undefined: none.
 */
export async function composeCli(): Promise<string[] | undefined> {
  const only = process.env.JETKUBE_TEST_COMPOSE_CLI?.trim();
  for (const cli of only ? [only.split(/\s+/)] : [['docker', 'compose'], ['docker-compose']]) {
    if ((await run(cli[0]!, [...cli.slice(1), 'version'], process.env).catch(() => undefined))?.code === 0) return cli;
  }
  return undefined;
}

/** The environment without this project's compose settings, plus `over`. */
export function composeEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('JETKUBE_') && k !== 'LOG_LEVEL'));
  return { ...env, ...over };
}
