// Benchmarks in a real browser, run on request only (not by scripts/test):
//   IGDESK_BIN=target/release/igdesk npx playwright test --config bench/playwright.bench.config.ts
import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '*.bench.ts',
  timeout: 10 * 60_000,
});
