/** Workers per controller: kube-controller-manager's defaults, one count for all when asked. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONCURRENT_SYNCS, DEFAULT_WORKERS, workersFor } from '../../services/controller-manager/concurrent-syncs.js';
import { CONTROLLERS } from '../../services/controller-manager/controllers.js';

describe('workersFor', () => {
  const cases: [string, number | undefined, number][] = [
    ['replicaset', undefined, 5],
    ['deployment', undefined, 5],
    ['garbagecollector', undefined, 20],
    ['namespace', undefined, 10],
    ['daemonset', undefined, 2],
    ['serviceaccount', undefined, 1],
    ['local-path-provisioner', undefined, DEFAULT_WORKERS],
    ['replicaset', 2, 2],
  ];
  for (const [name, override, want] of cases) it(`${name}${override ? ` (asked ${override})` : ''}: ${want}`, () => assert.equal(workersFor(name, override), want));
  it('names only controllers there are', () => {
    for (const name of Object.keys(CONCURRENT_SYNCS)) assert.ok(CONTROLLERS[name], name);
  });
});
