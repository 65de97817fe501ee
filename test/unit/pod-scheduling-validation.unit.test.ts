/**
 * Validation of pod affinity / anti-affinity, topologySpreadConstraints and schedulingGates, with
 * the field paths and messages of Kubernetes 1.32 (pkg/apis/core/validation), and the pod
 * strategy's SchedulingGated condition on create.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateObject } from '../../shared/resources/validation.js';
import { applyDefaults, strategyFor } from '../../shared/resources/strategy.js';
import type { KObject } from '../../shared/resources/meta.js';
import type { Pod } from '../../shared/resources/types.js';
import { info, newDeployment, newPod, podTemplate } from './resource-fixtures.js';
import { bindDecision } from '../../services/gateway/decisions.js';
import { isApiError } from '../../shared/errors.js';

const msgs = (obj: KObject, old?: KObject): string[] => validateObject(info(obj.kind), obj, old).map((c) => `${c.field}: ${c.message}`);

const term = (extra: Record<string, unknown> = {}) => ({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', ...extra });
const tsc = (extra: Record<string, unknown> = {}) => ({ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra });

describe('pod affinity validation', () => {
  const anti = (t: unknown) => newPod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } } });
  const cases: [string, KObject, string[]][] = [
    ['a valid term', anti(term()), []],
    [
      'topologyKey is required',
      anti(term({ topologyKey: '' })),
      [
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty',
        // ValidateLabelName("") as shared/resources/names.ts phrases it (Kubernetes adds the regex message too).
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty',
      ],
    ],
    [
      'an invalid selector operator',
      anti(term({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } })),
      ['spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator: Unsupported value: "Near": supported values: "DoesNotExist", "Exists", "In", "NotIn"'],
    ],
    [
      'preferred weight out of range',
      newPod({ affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: term() }] } } }),
      ['spec.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'],
    ],
    [
      'matchLabelKeys without a labelSelector',
      anti({ topologyKey: 'zone', matchLabelKeys: ['rev'] }),
      ['spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set'],
    ],
    [
      'a key in both matchLabelKeys and mismatchLabelKeys',
      anti(term({ matchLabelKeys: ['rev'], mismatchLabelKeys: ['rev'] })),
      ['spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys[0]: Invalid value: "rev": exists in both matchLabelKeys and mismatchLabelKeys'],
    ],
  ];
  for (const [name, obj, want] of cases) it(name, () => assert.deepEqual(msgs(obj), want));
});

describe('topologySpreadConstraints validation', () => {
  const p = (...cs: unknown[]) => newPod({ topologySpreadConstraints: cs });
  const at = 'spec.topologySpreadConstraints[0]';
  const cases: [string, KObject, string[]][] = [
    ['a valid constraint', p(tsc()), []],
    ['maxSkew must be positive', p(tsc({ maxSkew: 0 })), [`${at}.maxSkew: Invalid value: 0: must be greater than zero`]],
    ['topologyKey is required', p(tsc({ topologyKey: '' })), [`${at}.topologyKey: Required value: can not be empty`]],
    ['whenUnsatisfiable values', p(tsc({ whenUnsatisfiable: 'Maybe' })), [`${at}.whenUnsatisfiable: Unsupported value: "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"`]],
    [
      'a repeated {topologyKey, whenUnsatisfiable}',
      p(tsc(), tsc()),
      [`${at}.{topologyKey, whenUnsatisfiable}: Duplicate value: "{zone, DoNotSchedule}"`],
    ],
    ['minDomains must be positive', p(tsc({ minDomains: 0 })), [`${at}.minDomains: Invalid value: 0: must be greater than zero`]],
    [
      'minDomains only with DoNotSchedule',
      p(tsc({ minDomains: 2, whenUnsatisfiable: 'ScheduleAnyway' })),
      [`${at}.minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`],
    ],
    ['nodeAffinityPolicy values', p(tsc({ nodeAffinityPolicy: 'Always' })), [`${at}.nodeAffinityPolicy: Unsupported value: "Always": supported values: "Honor", "Ignore"`]],
    ['nodeTaintsPolicy values', p(tsc({ nodeTaintsPolicy: 'x' })), [`${at}.nodeTaintsPolicy: Unsupported value: "x": supported values: "Honor", "Ignore"`]],
    [
      'matchLabelKeys may not repeat a selector key',
      p(tsc({ matchLabelKeys: ['app'] })),
      [`${at}.matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`],
    ],
    [
      'the labelSelector is validated',
      p(tsc({ labelSelector: { matchLabels: { 'bad key!': 'x' } } })),
      [
        `${at}.labelSelector.matchLabels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
    [
      'a Deployment template is validated too',
      newDeployment({ template: { ...podTemplate({ app: 'web' }), spec: { containers: [{ name: 'a', image: 'x' }], topologySpreadConstraints: [tsc({ maxSkew: -1 })] } } }),
      ['spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: -1: must be greater than zero'],
    ],
  ];
  for (const [name, obj, want] of cases) it(name, () => assert.deepEqual(msgs(obj), want));
});

describe('schedulingGates', () => {
  const gated = (...names: string[]) => newPod({ schedulingGates: names.map((name) => ({ name })) });
  it('gate names are qualified names, without duplicates', () => {
    assert.deepEqual(msgs(gated('example.com/a', 'example.com/a')), ['spec.schedulingGates[1]: Duplicate value: "example.com/a"']);
    assert.equal(msgs(gated('bad name')).length, 1);
  });
  it('a pod with gates may not name a node on create', () => {
    assert.deepEqual(msgs(newPod({ nodeName: 'n1', schedulingGates: [{ name: 'g' }] })), ['spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared']);
  });
  const old = applyDefaults(info('Pod'), gated('g1', 'g2'));
  const withGates = (...names: string[]): KObject => {
    const spec = { ...(old.spec as Record<string, unknown>) };
    if (names.length) spec.schedulingGates = names.map((name) => ({ name }));
    else delete spec.schedulingGates;
    return { ...old, spec };
  };
  it('gates may be removed, one or all', () => {
    assert.deepEqual(msgs(withGates('g2'), old), []);
    assert.deepEqual(msgs(withGates(), old), []);
  });
  it('a gate may not be added', () => {
    assert.deepEqual(msgs(withGates('g1', 'g2', 'g3'), old), ["spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate 'g3'"]);
  });
  it('PrepareForCreate: a gated pod gets PodScheduled=False, SchedulingGated', () => {
    const p = applyDefaults(info('Pod'), gated('g1'));
    p.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    strategyFor('Pod').prepareForCreate?.(p);
    assert.deepEqual((p as Pod).status?.conditions, [
      {
        type: 'PodScheduled',
        status: 'False',
        lastProbeTime: null,
        lastTransitionTime: '2026-01-01T00:00:00Z',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
    const plain = applyDefaults(info('Pod'), newPod());
    strategyFor('Pod').prepareForCreate?.(plain);
    assert.equal((plain as Pod).status?.conditions, undefined);
  });
  it('PrepareForCreate merges matchLabelKeys / mismatchLabelKeys into the affinity selector', () => {
    const p = applyDefaults(
      info('Pod'),
      newPod(
        { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term({ matchLabelKeys: ['rev', 'absent'], mismatchLabelKeys: ['tenant'] })] } } },
        { labels: { app: 'web', rev: 'r1', tenant: 't1' } },
      ),
    );
    strategyFor('Pod').prepareForCreate?.(p);
    assert.deepEqual((p as Pod).spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0]?.labelSelector, {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'rev', operator: 'In', values: ['r1'] },
        { key: 'tenant', operator: 'NotIn', values: ['t1'] },
      ],
    });
  });
  it('pods/binding refuses a pod that still has gates', () => {
    let err: unknown;
    try {
      bindDecision(gated('g1'), 'n1', new Date('2026-01-01T00:00:00Z'));
    } catch (e) {
      err = e;
    }
    assert.ok(isApiError(err));
    assert.equal(err.code, 500);
    assert.match(err.message, /has non-empty \.spec\.schedulingGates/);
  });
});
