/**
 * Headless Chromium for console tests and benchmarks (playwright-core drives Debian's
 * /usr/bin/chromium; no browser download). Each launch gets a fresh profile directory, removed on close.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined; REQUIRE_CHROMIUM=1 turns a missing browser into a failure. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} does not exist (apt-get install chromium)`);
  return `no Chromium at ${CHROMIUM} (apt-get install chromium; REQUIRE_CHROMIUM=1 makes this a failure)`;
}

export interface HeadlessBrowser {
  /** The browser's one context (its profile is the fresh directory): open pages with context.newPage(). */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'jetkube-chromium-'));
  // The fresh --user-data-dir: Playwright takes it as launchPersistentContext's directory.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
    // Secure-mode clusters serve a certificate from their own per-run CA.
    ignoreHTTPSErrors: true,
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
