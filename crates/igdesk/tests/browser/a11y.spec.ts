// axe-core on the console's pages: no violation of serious or critical impact.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, signIn, offerOf, type Demo } from './harness';
import type { Page } from '@playwright/test';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    }));
}

async function withAnOffer(page: Page, demo: Demo) {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Inês Duarte');
  await demo.dm(customer, 'Hello, is the linen shirt washable?');
  await expect(offerOf(page, 'Hello, is the linen shirt washable?')).toBeVisible();
}

test('the sign-in page', async ({ page }) => {
  await page.goto('/');
  expect(await seriousViolations(page)).toEqual([]);
});

test('the sign-in page with an error', async ({ page, demo }) => {
  await page.goto('/');
  await page.getByLabel('Email').fill(demo.admin.email);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the empty desk', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  expect(await seriousViolations(page)).toEqual([]);
});

test('the desk with an offer', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  expect(await seriousViolations(page)).toEqual([]);
});

test('a customer profile with the composer', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await offerOf(page, 'Hello, is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  expect(await seriousViolations(page)).toEqual([]);
});

test('the dashboard, with a chart shown as a table', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await page.goto('/dashboard');
  await page.getByRole('region', { name: /SLA met/ }).getByText('Show as table').click();
  expect(await seriousViolations(page)).toEqual([]);
});

test('the breached waits', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const marta = demo.newCustomer('Marta Lobo');
  await demo.dm(marta, 'Hello? Anyone there?');
  await demo.customerId(marta);
  await demo.advanceClock(61 * 60_000);
  await page.goto('/dashboard/breached');
  await expect(page.getByRole('row', { name: /Marta Lobo/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('settings: Instagram accounts, and the accounts a login found', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/accounts');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Add Instagram account' }).click();
  await page.getByRole('button', { name: 'Continue as Demo Owner' }).click();
  await expect(page.getByRole('heading', { name: 'Connect Instagram accounts' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
