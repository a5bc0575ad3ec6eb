// The operations dashboard (UI-5): charts drawn as SVG by the server, their numbers
// behind "Show as table", filters, live figures without a reload, the breached waits
// behind the SLA card, and an agent who sees only their own inboxes.
import { test, expect, signIn, offerOf } from './harness';

const MINUTE = 60_000;

test('an administrator sees the day in charts, each with its table', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Inês Duarte');
  await demo.dm(customer, 'Is the linen shirt washable?');
  await offerOf(page, 'Is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill('Yes, at 30 degrees.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');

  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');

  // The big numbers, and the SVG charts with their names and descriptions.
  const waits = page.getByRole('region', { name: /Time to first reply/ });
  await expect(waits.locator('.big')).toContainText('median');
  await expect(waits.locator('.sub')).toContainText('1 answered');
  const chart = waits.getByRole('img', { name: /Time to first reply, by the hour/ });
  await expect(chart).toBeVisible();
  expect(await chart.evaluate((e) => e.tagName.toLowerCase())).toBe('svg');
  await expect(chart.locator('line.target')).toHaveCount(1);
  const sla = page.getByRole('region', { name: /SLA met/ });
  await expect(sla.locator('.big')).toHaveText('100%');
  await expect(sla.getByRole('img', { name: /SLA by the hour/ }).locator('rect.s-met')).toHaveCount(1);

  // Every chart's numbers as a table.
  await sla.getByText('Show as table').click();
  const table = sla.getByRole('table', { name: /SLA by the hour/ });
  await expect(table).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Breached' })).toBeVisible();
  const charts = await page.locator('figure.chart').count();
  expect(charts).toBeGreaterThanOrEqual(5);
  expect(await page.locator('figure.chart details.as-table').count()).toBe(charts);

  // Outgoing against the account's limit, and intake (administrators).
  const outgoing = page.getByRole('region', { name: /Outgoing · @/ }).first();
  await expect(outgoing.getByRole('img', { name: /1 of 200 messages in the last 5 minutes/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Deliveries from Meta' })).toBeVisible();

  // The page shows what the JSON API says (the figures that stand still here: echoes
  // of the reply may still be arriving, so the intake's are left out).
  const figures = await demo.api(demo.admin, 'GET', '/dashboard');
  await page.reload();
  await expect(page.getByRole('region', { name: 'Waiting for an agent' }).locator('.big')).toHaveText(
    String(figures.now.waiting_for_routing),
  );
  await expect(sla.locator('.sub')).toContainText(`${figures.sla.met} met`);
  await expect(sla.locator('.sub')).toContainText(`${figures.sla.waiting} waiting`);

  // The period filter.
  await page.getByLabel('Period').selectOption({ label: 'Last 7 days' });
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/period=7d/);
  await expect(page.getByRole('img', { name: /SLA by the day/ })).toBeVisible();
});

test('the figures follow the work without a reload', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/dashboard');
  const waiting = page.getByRole('region', { name: 'Waiting for an agent' }).locator('.big');
  await expect(waiting).toHaveText('0');
  await page.evaluate(() => ((window as any).beforeRefresh = true));
  await demo.dm(demo.newCustomer('Tomás Reis'), 'Do you ship to Porto?');
  // The page asks for fresh figures every 15 seconds.
  await expect(waiting).toHaveText('1', { timeout: 25_000 });
  expect(await page.evaluate(() => (window as any).beforeRefresh)).toBe(true);
});

test('a breach is a click away from the customer who waited', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const marta = demo.newCustomer('Marta Lobo');
  await demo.dm(marta, 'Hello? Anyone there?');
  // Processed (its wait has begun) before the clock moves on.
  await demo.customerId(marta);
  await demo.advanceClock(61 * MINUTE);
  await page.goto('/dashboard');
  const sla = page.getByRole('region', { name: /SLA met/ });
  await sla.getByRole('link', { name: '1 breached' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Breached waits/ })).toBeVisible();
  const row = page.getByRole('row', { name: /Marta Lobo/ });
  await expect(row).toContainText('Not answered');
  await row.getByRole('link', { name: 'Marta Lobo' }).click();
  await expect(page).toHaveTitle(/Marta Lobo · igdesk/);
});

test('an agent sees only their inboxes, and a bad filter is said beside its field', async ({ page, demo }) => {
  await signIn(page, demo.agent2);
  await page.goto('/dashboard');
  const inboxes = await page.getByRole('main').getByLabel('Inbox').locator('option').allTextContents();
  expect(inboxes).toEqual(['All inboxes', 'VIP']);
  await expect(page.getByRole('region', { name: 'Deliveries from Meta' })).toHaveCount(0);
  const accounts = page.getByRole('region', { name: /Outgoing · @/ });
  await expect(accounts).toHaveCount(1);

  const response = await page.goto('/dashboard?period=month');
  expect(response?.status()).toBe(400);
  await expect(page.getByLabel('Period')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Choose the last 24 hours or the last 7 days')).toBeVisible();
  const other = await page.goto('/dashboard?inbox=1');
  expect(other?.status()).toBe(400);
  await expect(page.getByText('Choose one of your inboxes, or All inboxes')).toBeVisible();
});
