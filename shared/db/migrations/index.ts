/** Migrations as code, in order. Names start with a timestamp; add new ones at the end. */
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026_11_22_0001_initial.js';
import * as lz4Objects from './2026_12_03_0001_lz4_objects.js';
import * as deadLetters from './2026_12_06_0001_dead_letters.js';
import * as serviceAccounts from './2026_12_06_0002_service_accounts.js';
import * as customObjects from './2026_12_06_0003_custom_objects.js';
import * as batch from './2026_12_06_0004_batch.js';
import * as daemonSets from './2026_12_06_0005_daemonsets.js';
import * as pdbs from './2026_12_06_0006_pdbs.js';
import * as crds from './2026_12_06_0007_crds.js';
import * as ingress from './2026_12_06_0008_ingress.js';
import * as statefulSets from './2026_12_06_0009_statefulsets.js';
import * as rbac from './2026_12_06_0010_rbac.js';
import * as storage from './2026_12_06_0011_storage.js';
import * as hpas from './2026_12_06_0012_hpas.js';
import * as eventHistory from './2026_12_06_0013_event_history.js';
import * as eventAuthors from './2026_12_06_0014_event_authors.js';
import * as eventObjects from './2026_12_06_0015_event_objects.js';
import * as eventGroups from './2026_12_06_0016_event_groups.js';

const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '2026_11_22_0001_initial': initial,
  '2026_12_03_0001_lz4_objects': lz4Objects,
  '2026_12_06_0001_dead_letters': deadLetters,
  '2026_12_06_0002_service_accounts': serviceAccounts,
  '2026_12_06_0003_custom_objects': customObjects,
  '2026_12_06_0004_batch': batch,
  '2026_12_06_0005_daemonsets': daemonSets,
  '2026_12_06_0006_pdbs': pdbs,
  '2026_12_06_0007_crds': crds,
  '2026_12_06_0008_ingress': ingress,
  '2026_12_06_0009_statefulsets': statefulSets,
  '2026_12_06_0010_rbac': rbac,
  '2026_12_06_0011_storage': storage,
  '2026_12_06_0012_hpas': hpas,
  '2026_12_06_0013_event_history': eventHistory,
  '2026_12_06_0014_event_authors': eventAuthors,
  '2026_12_06_0015_event_objects': eventObjects,
  '2026_12_06_0016_event_groups': eventGroups,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
