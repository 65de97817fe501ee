/**
 * Builders and a tiny cluster simulation for the Deployment planner tests. `rs`/`deployment`
 * mirror the helpers in Kubernetes' deployment_controller_test.go; `Sim` plays API server,
 * ReplicaSet controller and kubelet so planDeployment can be driven to convergence.
 */
import type { Deployment, IntOrString, Pod, PodTemplateSpec, ReplicaSet } from '../../shared/resources/types.js';
import { planDeployment, type DeploymentAction, type DeploymentPlan } from '../../services/controller-manager/deployment/plan.js';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, REVISION_ANNOTATION } from '../../services/controller-manager/deployment/revision.js';

/** 2016-05-20T00:00:00Z, the date Kubernetes' scale tests use. */
export const T0 = Date.parse('2016-05-20T00:00:00Z');

export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function time(seconds: number): Date {
  return new Date(T0 + seconds * 1000);
}

export function template(image = 'nginx:1.25', labels: Record<string, string> = { app: 'web' }): PodTemplateSpec {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } };
}

export interface DeploymentOptions {
  name?: string;
  uid?: string;
  replicas?: number;
  /** Default 0, like newDeployment in Kubernetes' tests (with maxUnavailable 0 → resolves to 1). */
  maxSurge?: IntOrString;
  maxUnavailable?: IntOrString;
  strategy?: 'RollingUpdate' | 'Recreate';
  image?: string;
  template?: PodTemplateSpec;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  paused?: boolean;
  generation?: number;
  annotations?: Record<string, string>;
  status?: Deployment['status'];
}

export function deployment(o: DeploymentOptions = {}): Deployment {
  const strategy = o.strategy ?? 'RollingUpdate';
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name ?? 'foo',
      namespace: 'default',
      uid: o.uid ?? 'uid-deploy',
      generation: o.generation ?? 1,
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: { app: 'web' } },
      template: o.template ?? template(o.image),
      strategy:
        strategy === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: o.maxSurge ?? 0, maxUnavailable: o.maxUnavailable ?? 0 } },
      ...(o.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: o.revisionHistoryLimit } : {}),
      ...(o.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      ...(o.minReadySeconds !== undefined ? { minReadySeconds: o.minReadySeconds } : {}),
      ...(o.paused !== undefined ? { paused: o.paused } : {}),
    },
    ...(o.status ? { status: o.status } : {}),
  };
}

export interface RSOptions {
  /** creationTimestamp, seconds after T0. */
  created?: number;
  /** status.availableReplicas (default: replicas). */
  available?: number;
  /** status.replicas (default: replicas). */
  statusReplicas?: number;
  ready?: number;
  revision?: number;
  /** desired-replicas / max-replicas annotations. */
  desired?: number;
  max?: number;
  annotations?: Record<string, string>;
  image?: string;
  template?: PodTemplateSpec;
  owner?: Deployment;
  uid?: string;
  deletionTimestamp?: string;
  generation?: number;
  observedGeneration?: number;
}

export function rs(name: string, replicas: number, o: RSOptions = {}): ReplicaSet {
  const owner = o.owner ?? deployment();
  const annotations: Record<string, string> = { ...o.annotations };
  if (o.revision !== undefined) annotations[REVISION_ANNOTATION] = String(o.revision);
  if (o.desired !== undefined) annotations[DESIRED_REPLICAS_ANNOTATION] = String(o.desired);
  if (o.max !== undefined) annotations[MAX_REPLICAS_ANNOTATION] = String(o.max);
  const statusReplicas = o.statusReplicas ?? replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      ...(o.created !== undefined ? { creationTimestamp: at(o.created) } : {}),
      ...(o.deletionTimestamp ? { deletionTimestamp: o.deletionTimestamp } : {}),
      ...(o.generation !== undefined ? { generation: o.generation } : {}),
      annotations,
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: o.template ?? template(o.image ?? `image-of-${name}`) },
    status: {
      replicas: statusReplicas,
      readyReplicas: o.ready ?? o.available ?? statusReplicas,
      availableReplicas: o.available ?? statusReplicas,
      ...(o.observedGeneration !== undefined ? { observedGeneration: o.observedGeneration } : {}),
    },
  };
}

export function podOf(rsName: string, phase: NonNullable<Pod['status']>['phase'], i = 0, uid = `uid-${rsName}`): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rsName}-pod-${i}`,
      namespace: 'default',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid, controller: true }],
    },
    spec: { containers: [{ name: 'app' }] },
    status: { phase: phase ?? 'Running' },
  };
}

// ---------------------------------------------------------------------------------------------
// Simulation

interface SimPod {
  readonly name: string;
  readonly rs: string;
  age: number;
  available: boolean;
}

export interface SimOptions {
  /** Ticks after creation until a pod is available (0: at once). */
  readyAfter?: number;
  /** Seconds the clock advances per tick. */
  tickSeconds?: number;
}

/**
 * A one-namespace cluster: applies planned actions like the API server, then runs the ReplicaSet
 * controller (create/delete pods, deleting unavailable and younger pods first) and the kubelet
 * (pods become available `readyAfter` ticks after creation), then refreshes ReplicaSet status.
 */
export class Sim {
  d: Deployment;
  rss: ReplicaSet[] = [];
  pods: SimPod[] = [];
  now: number = T0;
  readonly log: DeploymentPlan[] = [];
  private seq = 0;
  readyAfter: number;
  tickSeconds: number;

  constructor(d: Deployment, o: SimOptions = {}) {
    this.d = d;
    this.readyAfter = o.readyAfter ?? 0;
    this.tickSeconds = o.tickSeconds ?? 1;
  }

  plan(): DeploymentPlan {
    return planDeployment(this.d, this.rss, { pods: this.podObjects() }, new Date(this.now));
  }

  podObjects(): Pod[] {
    return this.pods.map((p) => ({
      ...podOf(p.rs, 'Running', 0, this.rss.find((r) => r.metadata.name === p.rs)?.metadata.uid ?? ''),
      metadata: {
        name: p.name,
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: p.rs, uid: this.rss.find((r) => r.metadata.name === p.rs)?.metadata.uid ?? '', controller: true },
        ],
      },
    }));
  }

  /** One reconcile of the Deployment, then one round of ReplicaSet controller and kubelet. */
  tick(): DeploymentPlan {
    const plan = this.plan();
    this.log.push(plan);
    this.apply(plan.actions);
    this.runReplicaSets();
    this.now += this.tickSeconds * 1000;
    return plan;
  }

  apply(actions: readonly DeploymentAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'createReplicaSet': {
          if (this.rss.some((r) => r.metadata.name === a.replicaSet.metadata.name)) throw new Error('AlreadyExists');
          const name = a.replicaSet.metadata.name ?? '';
          this.rss.push({
            ...a.replicaSet,
            metadata: { ...a.replicaSet.metadata, uid: `uid-${name}`, creationTimestamp: new Date(this.now).toISOString(), generation: 1 },
            status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
          });
          break;
        }
        case 'scaleReplicaSet':
        case 'updateReplicaSet': {
          const i = this.rss.findIndex((r) => r.metadata.name === a.name);
          if (i < 0) throw new Error(`NotFound ${a.name}`);
          const old = this.rss[i]!;
          this.rss[i] = { ...a.replicaSet, metadata: { ...a.replicaSet.metadata, generation: (old.metadata.generation ?? 1) + 1 }, status: old.status! };
          break;
        }
        case 'deleteReplicaSet':
          this.rss = this.rss.filter((r) => r.metadata.name !== a.name);
          this.pods = this.pods.filter((p) => p.rs !== a.name);
          break;
        case 'updateDeployment':
          this.d = {
            ...this.d,
            metadata: { ...this.d.metadata, annotations: a.annotations, generation: (this.d.metadata.generation ?? 0) + 1 },
            spec: { ...this.d.spec, template: a.template },
          };
          break;
        case 'updateDeploymentAnnotations':
          this.d = { ...this.d, metadata: { ...this.d.metadata, annotations: a.annotations } };
          break;
        case 'updateDeploymentStatus':
          this.d = { ...this.d, status: a.status };
          break;
        default: {
          const never: never = a;
          throw new Error(`unknown action ${JSON.stringify(never)}`);
        }
      }
    }
  }

  runReplicaSets(): void {
    for (const p of this.pods) {
      p.age++;
      p.available = p.available || p.age >= this.readyAfter;
    }
    for (const r of this.rss) {
      const name = r.metadata.name ?? '';
      const mine = this.pods.filter((p) => p.rs === name);
      const want = r.spec.replicas ?? 1;
      if (mine.length < want) {
        for (let i = mine.length; i < want; i++) {
          this.pods.push({ name: `${name}-${this.seq++}`, rs: name, age: 0, available: this.readyAfter === 0 });
        }
      } else if (mine.length > want) {
        const doomed = [...mine].sort((a, b) => Number(a.available) - Number(b.available) || a.age - b.age).slice(0, mine.length - want);
        this.pods = this.pods.filter((p) => !doomed.includes(p));
      }
    }
    this.rss = this.rss.map((r) => {
      const mine = this.pods.filter((p) => p.rs === r.metadata.name);
      const available = mine.filter((p) => p.available).length;
      return {
        ...r,
        status: { replicas: mine.length, readyReplicas: available, availableReplicas: available, observedGeneration: r.metadata.generation ?? 1 },
      };
    });
  }

  totalPods(): number {
    return this.pods.length;
  }

  availablePods(): number {
    return this.pods.filter((p) => p.available).length;
  }

  podsOf(rsName: string): number {
    return this.pods.filter((p) => p.rs === rsName).length;
  }

  /** Edit the Deployment's spec as a user would (bumps generation). */
  edit(f: (d: Deployment) => Deployment): void {
    const next = f(this.d);
    this.d = { ...next, metadata: { ...next.metadata, generation: (this.d.metadata.generation ?? 0) + 1 } };
  }

  setImage(image: string): void {
    this.edit((d) => ({ ...d, spec: { ...d.spec, template: template(image, d.spec.template.metadata?.labels ?? { app: 'web' }) } }));
  }

  setReplicas(n: number): void {
    this.edit((d) => ({ ...d, spec: { ...d.spec, replicas: n } }));
  }

  /**
   * Tick until a reconcile plans nothing and every pod is available; `check` runs after each tick.
   * Returns the number of ticks; throws if it does not settle within `max`.
   */
  settle(check: (sim: Sim) => void = () => {}, max = 300): number {
    for (let i = 1; i <= max; i++) {
      const plan = this.tick();
      check(this);
      const still = plan.actions.length === 0 && this.pods.every((p) => p.available);
      if (still && this.rss.every((r) => (r.spec.replicas ?? 1) === this.podsOf(r.metadata.name ?? '')) && this.plan().actions.length === 0) {
        return i;
      }
    }
    throw new Error(`did not settle in ${max} ticks: ${JSON.stringify(this.rss.map((r) => [r.metadata.name, r.spec.replicas, r.status]))}`);
  }
}
