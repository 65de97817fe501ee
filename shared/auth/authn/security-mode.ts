/**
 * Whether the `jetkube` binary runs secure (HTTPS, authentication, RBAC) or plain HTTP. Secure is
 * the default, as kube-apiserver's is; plain HTTP only when asked: `--insecure`, or JETKUBE_AUTH=off.
 * `--secure` (the opt-in of earlier releases) is still accepted; a flag wins over the environment.
 */
import { boolFromEnv } from '../../config.js';

export interface SecurityFlags {
  readonly secure?: boolean;
  readonly insecure?: boolean;
}

export interface SecurityMode {
  readonly secure: boolean;
  /** What decided it. */
  readonly from: 'flag' | 'JETKUBE_AUTH' | 'default';
}

export function securityMode(flags: SecurityFlags, env: NodeJS.ProcessEnv): SecurityMode {
  if (flags.secure && flags.insecure) throw new Error('--secure and --insecure contradict each other: give one');
  if (flags.insecure) return { secure: false, from: 'flag' };
  if (flags.secure) return { secure: true, from: 'flag' };
  if (env.JETKUBE_AUTH !== undefined) return { secure: boolFromEnv(env.JETKUBE_AUTH, 'JETKUBE_AUTH', true), from: 'JETKUBE_AUTH' };
  return { secure: true, from: 'default' };
}

/**
 * For a server process (`jetkube up`, `jetkube gateway`): decide, put the decision in JETKUBE_AUTH
 * for the whole process (loadConfig and the gateway's authConfigFromEnv read it), and say so when
 * it is plain HTTP. Throws what securityMode throws.
 */
export function applySecurityMode(flags: SecurityFlags, env: NodeJS.ProcessEnv = process.env, warn: (line: string) => unknown = (l) => process.stderr.write(l)): SecurityMode {
  const mode = securityMode(flags, env);
  env.JETKUBE_AUTH = mode.secure ? 'on' : 'off';
  if (!mode.secure) warn(INSECURE_WARNING);
  return mode;
}

/** The line a plain-HTTP server prints at start. */
export const INSECURE_WARNING =
  'jetkube: WARNING: insecure mode (--insecure / JETKUBE_AUTH=off): plain HTTP, no authentication, every request is system:admin; anyone who reaches the port owns the cluster\n';

/**
 * A component run alone reaches the gateway as a kubeconfig says. Without one it has no
 * credentials, so only a plain-HTTP gateway asked for explicitly (JETKUBE_AUTH=off) will do:
 * what is wrong otherwise, or undefined when it may start.
 */
export function standaloneClientProblem(command: string, kubeconfig: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (kubeconfig) return undefined;
  if (env.JETKUBE_AUTH !== undefined && !boolFromEnv(env.JETKUBE_AUTH, 'JETKUBE_AUTH', true)) return undefined;
  return (
    `jetkube ${command} needs --kubeconfig <file>: the gateway is secure by default and this component authenticates with a client certificate ` +
    '(`jetkube init` writes one kubeconfig per component; `jetkube kubeconfig --user <name>` prints one), ' +
    'or JETKUBE_AUTH=off to reach a plain-HTTP gateway (one run with --insecure)'
  );
}
