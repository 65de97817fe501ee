#!/usr/bin/env node
// Runs the compiled test files with node's test runner. Tier from argv: unit | int | e2e | (all).
// Node 20's --test takes no globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tier = process.argv[2];
const files = [];
(function walk(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.test.js') && (!tier || f.endsWith(`.${tier}.test.js`))) files.push(p);
  }
})('dist/test');
files.sort();
if (files.length === 0) {
  console.error(`no test files for tier "${tier ?? 'all'}"`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY || '2';
const r = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
