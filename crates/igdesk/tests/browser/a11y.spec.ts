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

test('settings: every section, with a refused form and a secret shown once', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  for (const section of ['/settings/entry-points', '/settings/conversations', '/settings/agents', '/settings/inboxes', '/settings/topics', '/settings/api', '/settings/tokens']) {
    await page.goto(section);
    await expect(page.locator('#section-title')).toBeVisible();
    expect({ section, violations: await seriousViolations(page) }).toEqual({ section, violations: [] });
  }
  // A refused form: the field invalid, described by the reason.
  await page.goto('/settings/inboxes');
  await page.getByRole('form', { name: /^VIP/ }).getByLabel('SLA target (minutes)').fill('never');
  await page.getByRole('button', { name: 'Save VIP' }).click();
  await expect(page.locator('[aria-invalid="true"]')).toHaveCount(1);
  expect(await seriousViolations(page)).toEqual([]);
  // An agent's page, and a first password shown once.
  await page.goto('/settings/agents');
  await page.getByRole('form', { name: 'Add agent' }).getByLabel('Name').fill('Zoe Quinn');
  await page.getByRole('form', { name: 'Add agent' }).getByLabel('Email').fill('zoe@shop.example');
  await page.getByRole('button', { name: 'Add agent' }).click();
  await expect(page.getByRole('textbox', { name: /One-time password/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('link', { name: 'Edit Zoe Quinn' }).click();
  expect(await seriousViolations(page)).toEqual([]);
  // An account's API, turned on.
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data;
  await page.goto(`/settings/api/${accounts[0].id}`);
  await page.getByLabel('Inbound URL').fill('https://bot.example/in');
  await page.getByRole('button', { name: 'Turn on the API' }).click();
  await expect(page.getByRole('textbox', { name: /Signing secret/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  // Phones: the tables read as stacked rows.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const section of ['/settings/agents', '/settings/api', '/settings/tokens']) {
    await page.goto(section);
    expect({ section, violations: await seriousViolations(page) }).toEqual({ section, violations: [] });
  }
});
