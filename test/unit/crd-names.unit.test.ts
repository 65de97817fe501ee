/**
 * The CRD naming check (shared/resources/crd.ts namesAcceptance + crdStatus), as Kubernetes' naming
 * controller decides it: resource names (plural, singular, short names) against the others'
 * resource names, kind and listKind against the others' kinds and list kinds; each refused name
 * keeps its previously accepted value; the last conflict is the reason; Established is never taken
 * back. Our own table, after the cases of Kubernetes' naming controller test. As in Kubernetes,
 * only the CRD's own group counts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crdStatus, namesAcceptance, type Crd, type CrdNames } from '../../shared/resources/crd.js';
import type { ResourceInfo } from '../../shared/resources/registry.js';

const GROUP = 'bravo.example.com';
const row = (plural: string, singular: string, kind: string, shortNames: string[] = [], group = GROUP): ResourceInfo => ({
  kind, plural, singular, group, version: 'v1', namespaced: true, shortNames, table: 'custom_objects', subresources: [],
});
const names = (plural: string, singular: string, kind: string, listKind: string, shortNames: string[] = []): CrdNames => ({
  plural, singular, kind, listKind, ...(shortNames.length ? { shortNames } : {}),
});
const REQUESTED = names('alfas', 'alfa', 'Alfa', 'AlfaCollection', ['al', 'alf']);
const crd = (accepted?: CrdNames, conditions: NonNullable<Crd['status']>['conditions'] = []): Crd => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `alfas.${GROUP}` },
  spec: { group: GROUP, scope: 'Namespaced', names: REQUESTED, versions: [{ name: 'v1', served: true, storage: true }] },
  ...(accepted || conditions.length ? { status: { ...(accepted ? { acceptedNames: accepted } : {}), conditions } } : {}),
});

describe('CRD names: conflicts and accepted names', () => {
  const cases: { name: string; others: ResourceInfo[]; accepted?: CrdNames; reason?: string; message?: string; want: CrdNames }[] = [
    { name: 'nothing else served', others: [], want: REQUESTED },
    { name: 'a resource name and a kind never clash', others: [row('indias', 'alfa-ish', 'India', ['alfacollection'])], want: REQUESTED },
    {
      name: 'plural taken as another kind\'s singular',
      others: [row('indias', 'alfas', 'India')],
      reason: 'PluralConflict', message: '"alfas" is already in use',
      want: { ...REQUESTED, plural: '' },
    },
    {
      name: 'singular taken as another kind\'s short name',
      others: [row('indias', 'india', 'India', ['alfa'])],
      reason: 'SingularConflict', message: '"alfa" is already in use',
      want: names('alfas', '', 'Alfa', 'AlfaCollection', ['al', 'alf']),
    },
    {
      name: 'a short name taken: none of the short names is accepted',
      others: [row('indias', 'india', 'India', ['alf'])],
      reason: 'ShortNamesConflict', message: '"alf" is already in use',
      want: names('alfas', 'alfa', 'Alfa', 'AlfaCollection'),
    },
    {
      name: 'two short names taken: one aggregated message',
      others: [row('indias', 'india', 'India', ['al', 'alf'])],
      reason: 'ShortNamesConflict', message: '["al" is already in use, "alf" is already in use]',
      want: names('alfas', 'alfa', 'Alfa', 'AlfaCollection'),
    },
    {
      name: 'list kind taken as another kind',
      others: [row('indias', 'india', 'AlfaCollection')],
      reason: 'ListKindConflict', message: '"AlfaCollection" is already in use',
      want: { ...REQUESTED, listKind: '' },
    },
    {
      name: 'several conflicts: the last is the reason, the refused names keep what was accepted before',
      others: [row('indias', 'alfa', 'AlfaCollection')],
      accepted: names('zulus', 'zulu', 'Zulu', 'ZuluList', ['zu']),
      reason: 'ListKindConflict', message: '"AlfaCollection" is already in use',
      want: names('alfas', 'zulu', 'Alfa', 'ZuluList', ['al', 'alf']),
    },
    {
      name: 'names already ours are not conflicts',
      others: [row('indias', 'india', 'India', ['alf'])],
      accepted: REQUESTED,
      want: REQUESTED,
    },
    {
      name: 'another group does not count (as in Kubernetes: subjects and rows are keyed by group)',
      others: [row('alfas', 'alfa', 'Alfa', ['al'], 'charlie.example.com')],
      want: REQUESTED,
    },
    {
      name: 'a built-in kind with other names: no conflict',
      others: [row('pods', 'pod', 'Pod', ['po'], '')],
      want: REQUESTED,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const input = crd(c.accepted);
      const got = namesAcceptance(input, c.others);
      assert.deepEqual(got.conflict, c.reason ? { reason: c.reason, message: c.message } : undefined);
      const st = crdStatus(input, got.conflict, 't', got.rejected);
      const strip = (n: CrdNames) => Object.fromEntries(Object.entries(n).filter(([, v]) => v !== '' && !(Array.isArray(v) && !v.length)));
      assert.deepEqual(strip(st.acceptedNames!), strip(c.want));
      const na = st.conditions!.find((x) => x.type === 'NamesAccepted')!;
      assert.deepEqual([na.status, na.reason], c.reason ? ['False', c.reason] : ['True', 'NoConflicts']);
    });
  }

  it('a kind taken by a kind of the same group', () => {
    const got = namesAcceptance(crd(), [row('indias', 'india', 'India'), row('betas', 'beta', 'Alfa')]);
    assert.deepEqual(got.conflict, { reason: 'KindConflict', message: '"Alfa" is already in use' });
    assert.deepEqual(got.rejected, ['kind']);
  });

  it('Established is never taken back: a later conflict leaves it True', () => {
    const established = { type: 'Established', status: 'True' as const, lastTransitionTime: 'before', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' };
    const input = crd(REQUESTED, [{ type: 'NamesAccepted', status: 'True', lastTransitionTime: 'before', reason: 'NoConflicts', message: 'no conflicts found' }, established]);
    const st = crdStatus(input, { reason: 'ShortNamesConflict', message: '"alf" is already in use' }, 'now', ['shortNames']);
    assert.deepEqual(st.conditions!.find((x) => x.type === 'Established'), established);
    assert.equal(st.conditions!.find((x) => x.type === 'NamesAccepted')!.status, 'False');
    assert.deepEqual(st.acceptedNames!.shortNames, ['al', 'alf'], 'the short names accepted before stay');
  });

  it('not established before: a conflict leaves it False (NotAccepted)', () => {
    const st = crdStatus(crd(), { reason: 'PluralConflict', message: 'x' }, 'now', ['plural']);
    const e = st.conditions!.find((x) => x.type === 'Established')!;
    assert.deepEqual([e.status, e.reason, e.message], ['False', 'NotAccepted', 'not all names are accepted']);
  });
});
