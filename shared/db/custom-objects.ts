/**
 * Where kinds defined at run time (registerKind; CustomResourceDefinitions later) are projected:
 * ONE table, `custom_objects`, for all of them, keyed by (api_group, kind, namespace, name). One
 * table made by a migration is the simplest thing that works: nothing runs DDL when a kind is
 * registered, every projection schema (a replay's too) already has it, and the generic code only
 * adds the two scope columns to its keys and filters. Such kinds have no typed columns: field
 * selectors and sorting read the object.
 */
import type { Projection } from '../resources/projection.js';

export const CUSTOM_OBJECTS = 'custom_objects';

export const customObjectsProjection: Projection = {
  columns: { api_group: 'text', kind: 'text' },
  row: (_o, info) => ({ api_group: info.group, kind: info.kind }),
  scope: ['api_group', 'kind'],
};
