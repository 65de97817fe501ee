/**
 * hostPath `type` checks (pure decision; the caller stats the path and acts): what exists at the
 * path against what the volume asks for, after Kubernetes' hostPath plugin (checkType).
 */
import type { HostPathType } from './plan.js';

export type FileKind = 'missing' | 'directory' | 'file' | 'socket' | 'char' | 'block' | 'other';

export type HostPathDecision = { readonly action: 'ok' | 'create-directory' | 'create-file' } | { readonly action: 'fail'; readonly message: string };

export function hostPathCheck(path: string, type: HostPathType, found: FileKind): HostPathDecision {
  const fail = (what: string): HostPathDecision => ({ action: 'fail', message: `hostPath type check failed: ${path} is not ${what}` });
  switch (type) {
    case '':
      // No check; a missing path becomes a directory, as the container runtimes make it for a bind.
      return found === 'missing' ? { action: 'create-directory' } : { action: 'ok' };
    case 'DirectoryOrCreate':
      if (found === 'missing') return { action: 'create-directory' };
      return found === 'directory' ? { action: 'ok' } : fail('a directory');
    case 'Directory':
      return found === 'directory' ? { action: 'ok' } : fail('a directory');
    case 'FileOrCreate':
      if (found === 'missing') return { action: 'create-file' };
      return found === 'file' ? { action: 'ok' } : fail('a file');
    case 'File':
      return found === 'file' ? { action: 'ok' } : fail('a file');
    case 'Socket':
      return found === 'socket' ? { action: 'ok' } : fail('a socket file');
    case 'CharDevice':
      return found === 'char' ? { action: 'ok' } : fail('a character device');
    case 'BlockDevice':
      return found === 'block' ? { action: 'ok' } : fail('a block device');
    default: {
      const never: never = type;
      return { action: 'fail', message: `hostPath type ${String(never)} is not supported` };
    }
  }
}
