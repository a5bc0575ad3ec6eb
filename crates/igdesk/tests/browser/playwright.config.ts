// igdesk's console in Chromium (Debian's, at /usr/bin/chromium): each test starts its
// own `igdesk demo` (see harness.ts). README.md says how to run them.
import { defineConfig } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // The documentation's screenshots are taken on request only (SCREENSHOTS=1).
  testIgnore: process.env.SCREENSHOTS ? [] : ['screenshots.spec.ts'],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // Each test runs a demo process beside its browser; the machines have 2 cores.
  workers: Number(process.env.BROWSER_TEST_WORKERS ?? 1),
  retries: 0,
  reporter: 'list',
  outputDir: path.join(os.tmpdir(), 'igdesk-browser-tests'),
  use: {
    browserName: 'chromium',
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
