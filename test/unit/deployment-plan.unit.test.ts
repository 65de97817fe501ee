import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IntOrString } from '../../shared/resources/types.js';
import { planDeployment } from '../../services/controller-manager/deployment/plan.js';
import { maxSurge, maxUnavailable } from '../../services/controller-manager/deployment/fenceposts.js';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from '../../services/controller-manager/deployment/revision.js';
import { PROGRESSING, Reasons, getCondition } from '../../services/controller-manager/deployment/status.js';
import { podTemplateHash } from '../../services/controller-manager/deployment/hash.js';
import { Sim, deployment, rs, template, time } from './deployment-fixtures.js';

function rolledOut(o: { replicas: number; maxSurge?: IntOrString; maxUnavailable?: IntOrString; readyAfter?: number; revisionHistoryLimit?: number; strategy?: 'RollingUpdate' | 'Recreate' }): Sim {
  const sim = new Sim(
    deployment({
      replicas: o.replicas,
      maxSurge: o.maxSurge ?? '25%',
      maxUnavailable: o.maxUnavailable ?? '25%',
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: o.revisionHistoryLimit ?? 10,
      image: 'v1',
      ...(o.strategy ? { strategy: o.strategy } : {}),
    }),
    { readyAfter: o.readyAfter ?? 0 },
  );
  sim.settle();
  return sim;
}

function rsByImage(sim: Sim, image: string) {
  return sim.rss.find((r) => r.spec.template.spec.containers[0]?.image === image);
}

describe('planDeployment: first rollout', () => {
  it('creates the ReplicaSet at full size, records revision 1, and then does nothing', () => {
    const sim = new Sim(deployment({ replicas: 3, maxSurge: '25%', maxUnavailable: '25%', progressDeadlineSeconds: 600, image: 'v1' }));
    const first = sim.plan();
    const hash = podTemplateHash(template('v1'));
    assert.deepEqual(first.actions.map((a) => a.type), ['createReplicaSet', 'updateDeploymentAnnotations', 'updateDeploymentStatus']);
    const create = first.actions[0]!;
    assert.ok(create.type === 'createReplicaSet');
    assert.equal(create.replicaSet.metadata.name, `foo-${hash}`);
    assert.equal(create.replicaSet.spec.replicas, 3);
    assert.deepEqual(first.events, [{ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set foo-${hash} from 0 to 3` }]);
    assert.deepEqual(planDeployment(sim.d, sim.rss, {}, time(0)), first, 'pure: same input, same plan');

    sim.settle();
    assert.equal(sim.d.metadata.annotations?.[REVISION_ANNOTATION], '1');
    assert.equal(getCondition(sim.d.status, PROGRESSING)?.reason, Reasons.NewReplicaSetAvailable);
    assert.deepEqual(
      { replicas: sim.d.status?.replicas, updated: sim.d.status?.updatedReplicas, available: sim.d.status?.availableReplicas, unavailable: sim.d.status?.unavailableReplicas },
      { replicas: 3, updated: 3, available: 3, unavailable: 0 },
    );
    assert.deepEqual(sim.plan().actions, []);
  });
});

describe('planDeployment: rolling update converges within maxSurge / maxUnavailable', () => {
  const shapes: [number, IntOrString, IntOrString][] = [
    [10, '25%', '25%'],
    [10, 0, 1],
    [10, 1, 0],
    [10, 3, 2],
    [3, '50%', 0],
    [1, 0, 1],
    [1, 1, 0],
    [2, '1%', '0%'],
    [5, '100%', '100%'],
  ];
  for (const readyAfter of [0, 3]) {
    for (const [replicas, surge, unavailable] of shapes) {
      it(`${replicas} replicas, surge ${surge}, unavailable ${unavailable}, pods ready after ${readyAfter} ticks`, () => {
        const sim = rolledOut({ replicas, maxSurge: surge, maxUnavailable: unavailable, readyAfter });
        sim.setImage('v2');
        const min = replicas - maxUnavailable(sim.d);
        const max = replicas + maxSurge(sim.d);
        let seenBoth = false;
        sim.settle((s) => {
          assert.ok(s.availablePods() >= min, `available ${s.availablePods()} < ${min}`);
          assert.ok(s.totalPods() <= max, `pods ${s.totalPods()} > ${max}`);
          if (s.podsOf(rsByImage(s, 'v1')!.metadata.name!) > 0 && s.podsOf(rsByImage(s, 'v2')?.metadata.name ?? '') > 0) seenBoth = true;
        });
        const v1 = rsByImage(sim, 'v1')!;
        const v2 = rsByImage(sim, 'v2')!;
        assert.deepEqual([v1.spec.replicas, v2.spec.replicas], [0, replicas]);
        assert.equal(v2.metadata.annotations?.[REVISION_ANNOTATION], '2');
        assert.equal(sim.d.metadata.annotations?.[REVISION_ANNOTATION], '2');
        assert.equal(sim.d.status?.updatedReplicas, replicas);
        assert.equal(sim.d.status?.observedGeneration, sim.d.metadata.generation);
        assert.equal(getCondition(sim.d.status, PROGRESSING)?.reason, Reasons.NewReplicaSetAvailable);
        if (replicas > 1 && maxUnavailable(sim.d) < replicas) assert.ok(seenBoth, 'rolled gradually');
        assert.deepEqual(sim.plan().actions, []);
      });
    }
  }
});

describe('planDeployment: Recreate', () => {
  for (const readyAfter of [0, 2]) {
    it(`never runs old and new pods together (ready after ${readyAfter})`, () => {
      const sim = rolledOut({ replicas: 4, strategy: 'Recreate', readyAfter });
      sim.setImage('v2');
      sim.settle((s) => {
        const v2 = rsByImage(s, 'v2');
        const both = s.podsOf(rsByImage(s, 'v1')!.metadata.name!) > 0 && v2 !== undefined && s.podsOf(v2.metadata.name!) > 0;
        assert.ok(!both, 'old and new pods at once');
      });
      assert.deepEqual([rsByImage(sim, 'v1')?.spec.replicas, rsByImage(sim, 'v2')?.spec.replicas], [0, 4]);
      assert.deepEqual(sim.plan().actions, []);
    });
  }

  it('waits for old pods reported by podsInfo before creating the new ReplicaSet', () => {
    const sim = rolledOut({ replicas: 2, strategy: 'Recreate' });
    sim.setImage('v2');
    const first = sim.plan();
    assert.deepEqual(first.actions.filter((a) => a.type !== 'updateDeploymentStatus').map((a) => a.type), ['scaleReplicaSet']);
    sim.apply(first.actions);
    // the old ReplicaSet is at 0 but its pods are still running: no new ReplicaSet yet
    const waiting = sim.plan();
    assert.ok(!waiting.actions.some((a) => a.type === 'createReplicaSet'));
    sim.runReplicaSets();
    const next = sim.plan();
    assert.ok(next.actions.some((a) => a.type === 'createReplicaSet' && a.replicaSet.spec.replicas === 2));
  });
});

describe('planDeployment: scaling', () => {
  it('scales a settled Deployment in one step', () => {
    const sim = rolledOut({ replicas: 3 });
    sim.setReplicas(7);
    const plan = sim.plan();
    const scale = plan.actions.find((a) => a.type === 'scaleReplicaSet');
    assert.ok(scale && scale.type === 'scaleReplicaSet' && scale.from === 3 && scale.to === 7);
    sim.settle();
    assert.equal(rsByImage(sim, 'v1')?.spec.replicas, 7);
  });

  it('scales proportionally in the middle of a rollout and still converges', () => {
    const sim = rolledOut({ replicas: 10, readyAfter: 3 });
    sim.setImage('v2');
    for (let i = 0; i < 4; i++) sim.tick();
    const before = [rsByImage(sim, 'v1')!.spec.replicas!, rsByImage(sim, 'v2')!.spec.replicas!];
    assert.ok(before[0]! > 0 && before[1]! > 0, `mid-rollout ${before}`);
    sim.setReplicas(20);
    const plan = sim.plan();
    const sizes = new Map(plan.actions.flatMap((a) => (a.type === 'scaleReplicaSet' ? [[a.replicaSet.spec.template.spec.containers[0]?.image, a.to] as const] : [])));
    // all of desired + maxSurge is spread over both ReplicaSets, both grow
    assert.equal((sizes.get('v1') ?? before[0]!) + (sizes.get('v2') ?? before[1]!), 20 + 5);
    assert.ok((sizes.get('v1') ?? 0) > before[0]! && (sizes.get('v2') ?? 0) > before[1]!);
    sim.settle((s) => assert.ok(s.totalPods() <= 25));
    assert.deepEqual([rsByImage(sim, 'v1')?.spec.replicas, rsByImage(sim, 'v2')?.spec.replicas], [0, 20]);
  });

  it('scales down to zero and back', () => {
    const sim = rolledOut({ replicas: 4 });
    sim.setReplicas(0);
    sim.settle();
    assert.equal(sim.totalPods(), 0);
    sim.setReplicas(2);
    sim.settle();
    assert.equal(sim.totalPods(), 2);
  });
});

describe('planDeployment: rollback and revision history', () => {
  it('setting the template back makes the old ReplicaSet new again with the next revision', () => {
    const sim = rolledOut({ replicas: 4, readyAfter: 1 });
    sim.setImage('v2');
    sim.settle();
    const v1Name = rsByImage(sim, 'v1')!.metadata.name;
    sim.setImage('v1'); // kubectl rollout undo
    sim.settle((s) => assert.ok(s.availablePods() >= 3));
    assert.equal(sim.rss.length, 2, 'no third ReplicaSet');
    const v1 = rsByImage(sim, 'v1')!;
    assert.equal(v1.metadata.name, v1Name);
    assert.equal(v1.spec.replicas, 4);
    assert.equal(v1.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(v1.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(sim.d.metadata.annotations?.[REVISION_ANNOTATION], '3');
  });

  it('the deprecated rollbackTo annotation rewrites the template and is cleared', () => {
    const sim = rolledOut({ replicas: 2 });
    sim.setImage('v2');
    sim.settle();
    sim.edit((d) => ({ ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, 'deprecated.deployment.rollback.to': '0' } } }));
    const plan = sim.plan();
    assert.deepEqual(plan.actions.map((a) => a.type), ['updateDeployment']);
    sim.settle();
    assert.equal(sim.d.spec.template.spec.containers[0]?.image, 'v1');
    assert.equal(sim.d.metadata.annotations?.['deprecated.deployment.rollback.to'], undefined);
    assert.equal(rsByImage(sim, 'v1')?.spec.replicas, 2);
    assert.equal(sim.d.metadata.annotations?.[REVISION_ANNOTATION], '3');
  });

  it('keeps only revisionHistoryLimit old ReplicaSets, deleting the lowest revisions', () => {
    const sim = rolledOut({ replicas: 2, revisionHistoryLimit: 2 });
    for (const image of ['v2', 'v3', 'v4', 'v5']) {
      sim.setImage(image);
      sim.settle();
    }
    assert.deepEqual(
      sim.rss.map((r) => [r.spec.template.spec.containers[0]?.image, r.metadata.annotations?.[REVISION_ANNOTATION]]).sort(),
      [['v3', '3'], ['v4', '4'], ['v5', '5']],
    );
  });
});

describe('planDeployment: paused', () => {
  it('does not roll out a new template, still scales, and records the paused condition', () => {
    const sim = rolledOut({ replicas: 2 });
    sim.edit((d) => ({ ...d, spec: { ...d.spec, paused: true } }));
    sim.setImage('v2');
    sim.setReplicas(3);
    sim.settle();
    assert.equal(rsByImage(sim, 'v2'), undefined);
    assert.equal(rsByImage(sim, 'v1')?.spec.replicas, 3);
    assert.equal(getCondition(sim.d.status, PROGRESSING)?.reason, Reasons.DeploymentPaused);
    assert.equal(getCondition(sim.d.status, PROGRESSING)?.status, 'Unknown');
    sim.edit((d) => ({ ...d, spec: { ...d.spec, paused: false } }));
    sim.settle();
    assert.deepEqual([rsByImage(sim, 'v1')?.spec.replicas, rsByImage(sim, 'v2')?.spec.replicas], [0, 3]);
    assert.equal(getCondition(sim.d.status, PROGRESSING)?.reason, Reasons.NewReplicaSetAvailable);
  });
});

describe('planDeployment: progress deadline', () => {
  it('times out when new pods never become available, and asks to be requeued before that', () => {
    const sim = rolledOut({ replicas: 2, maxSurge: 1, maxUnavailable: 0 });
    const stuck = sim;
    stuck.readyAfter = 10_000;
    stuck.tickSeconds = 60;
    stuck.edit((d) => ({ ...d, spec: { ...d.spec, progressDeadlineSeconds: 300, template: template('v2') } }));
    let requeued: number | undefined;
    for (let i = 0; i < 10; i++) {
      const p = stuck.tick();
      if (p.requeueAfterSeconds !== undefined && requeued === undefined) requeued = p.requeueAfterSeconds;
    }
    assert.ok(requeued !== undefined && requeued > 0 && requeued <= 301, `requeue ${requeued}`);
    const c = getCondition(stuck.d.status, PROGRESSING)!;
    assert.deepEqual([c.status, c.reason], ['False', Reasons.ProgressDeadlineExceeded]);
    assert.equal(stuck.availablePods(), 2, 'old pods kept');
    assert.deepEqual(stuck.plan().actions, []);
  });
});

describe('planDeployment: edge cases', () => {
  it('bumps collisionCount when a foreign ReplicaSet holds the name', () => {
    const d = deployment({ replicas: 1, image: 'v1' });
    const name = `foo-${podTemplateHash(d.spec.template)}`;
    const squatter = rs(name, 1, { image: 'other', owner: deployment({ name: 'bar', uid: 'uid-bar' }) });
    const plan = planDeployment(d, [squatter], {}, time(0));
    assert.deepEqual(plan.actions.map((a) => a.type), ['updateDeploymentStatus']);
    const a = plan.actions[0]!;
    assert.ok(a.type === 'updateDeploymentStatus' && a.status.collisionCount === 1);
    const next = planDeployment({ ...d, status: { collisionCount: 1 } }, [squatter], {}, time(1));
    const create = next.actions.find((x) => x.type === 'createReplicaSet');
    assert.ok(create && create.type === 'createReplicaSet' && create.replicaSet.metadata.name !== name);
  });

  it('ignores ReplicaSets it does not control', () => {
    const d = deployment({ replicas: 1, image: 'v1' });
    const foreign = rs('bar-1', 5, { image: 'v1', owner: deployment({ name: 'bar', uid: 'uid-bar' }) });
    const plan = planDeployment(d, [foreign], {}, time(0));
    assert.ok(plan.actions.some((a) => a.type === 'createReplicaSet'));
    assert.ok(!plan.actions.some((a) => (a.type === 'scaleReplicaSet' || a.type === 'updateReplicaSet') && a.name === 'bar-1'));
  });

  it('an empty selector only records observedGeneration', () => {
    const d = { ...deployment({ generation: 3 }), spec: { ...deployment().spec, selector: {} } };
    assert.deepEqual(planDeployment(d, [], {}, time(0)).actions, [{ type: 'updateDeploymentStatus', status: { observedGeneration: 3 } }]);
    assert.deepEqual(planDeployment({ ...d, status: { observedGeneration: 3 } }, [], {}, time(0)).actions, []);
  });

  it('a Deployment being deleted only gets status', () => {
    const sim = rolledOut({ replicas: 2 });
    sim.setImage('v2');
    const d = { ...sim.d, metadata: { ...sim.d.metadata, deletionTimestamp: '2016-05-20T01:00:00Z' } };
    const plan = planDeployment(d, sim.rss, {}, new Date(sim.now));
    assert.deepEqual(plan.actions.map((a) => a.type), ['updateDeploymentStatus']);
  });

  it('does not mutate its inputs', () => {
    const sim = rolledOut({ replicas: 3 });
    sim.setImage('v2');
    const frozen = JSON.parse(JSON.stringify({ d: sim.d, rss: sim.rss }));
    const deepFreeze = (v: unknown): void => {
      if (typeof v === 'object' && v !== null) {
        Object.values(v).forEach(deepFreeze);
        Object.freeze(v);
      }
    };
    deepFreeze(frozen);
    assert.doesNotThrow(() => planDeployment(frozen.d, frozen.rss, {}, time(0)));
  });
});
