/** Migrations as code, in order. Names start with a timestamp; add new ones at the end. */
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026_11_22_0001_initial.js';
import * as lz4Objects from './2026_12_03_0001_lz4_objects.js';
import * as deadLetters from './2026_12_06_0001_dead_letters.js';
import * as serviceAccounts from './2026_12_06_0002_service_accounts.js';
import * as customObjects from './2026_12_06_0003_custom_objects.js';
import * as pdbs from './2026_12_06_0006_pdbs.js';
import * as crds from './2026_12_06_0007_crds.js';

const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '2026_11_22_0001_initial': initial,
  '2026_12_03_0001_lz4_objects': lz4Objects,
  '2026_12_06_0001_dead_letters': deadLetters,
  '2026_12_06_0002_service_accounts': serviceAccounts,
  '2026_12_06_0003_custom_objects': customObjects,
  '2026_12_06_0006_pdbs': pdbs,
  '2026_12_06_0007_crds': crds,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => ({ ...MIGRATIONS }),
};
