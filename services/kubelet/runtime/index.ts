/** Pick a container runtime by name (KUBELET_RUNTIME). Docker's client is loaded only when asked for. */
import { join } from 'node:path';
import type { RuntimeKind } from '../config.js';
import { FakeRuntime } from './fake.js';
import { ProcessRuntime } from './process.js';
import type { ContainerRuntime } from './types.js';

export * from './types.js';
export { ProcessRuntime } from './process.js';
export { FakeRuntime } from './fake.js';

export async function createRuntime(kind: RuntimeKind, rootDir: string): Promise<ContainerRuntime> {
  switch (kind) {
    case 'process':
      return new ProcessRuntime({ rootDir: join(rootDir) });
    case 'fake':
      return new FakeRuntime();
    case 'docker': {
      const { DockerRuntime } = await import('./docker.js');
      return new DockerRuntime({ rootDir });
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown runtime ${String(never)}`);
    }
  }
}
