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

test('the sign-in page with an email too long', async ({ page }) => {
  await page.goto('/');
  // The field stops typing at 254 characters; a script or an old browser may not.
  await page.getByLabel('Email').evaluate((input) => input.removeAttribute('maxlength'));
  await page.getByLabel('Email').fill(`${'a'.repeat(250)}@example.com`);
  await page.getByLabel('Password').fill('a password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('An email address has at most 254 characters.')).toBeVisible();
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

test('settings: conversation starters, read back and with a refused field', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data as any[];
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  await page.goto(`/settings/accounts/${shop.id}/starters`);
  await expect(page.getByRole('region', { name: 'What Instagram holds now' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByLabel('Question 3').fill('x'.repeat(81));
  await page.getByLabel('Payload 3').fill('LONG');
  await page.getByRole('button', { name: 'Save to Instagram' }).click();
  await expect(page.getByLabel('Question 3')).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
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

test('settings: saved answers, the list, a refused form and an answer\'s page', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/answers');
  await expect(page.getByRole('row', { name: /Shipping times/ })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  const form = page.getByRole('form', { name: 'New saved answer' });
  await form.getByLabel('Title').fill('Order status');
  await form.getByLabel('Text').fill('Your order {order} is on its way');
  await form.getByRole('button', { name: 'Add saved answer' }).click();
  await expect(page.locator('[aria-invalid="true"]')).toHaveCount(1);
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('link', { name: 'Edit Returns' }).click();
  await page.getByText('Delete…').click();
  expect(await seriousViolations(page)).toEqual([]);
  // An image refused, said under its field.
  await page.getByLabel('An image').setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await page.getByRole('button', { name: 'Upload image' }).click();
  await expect(page.getByLabel('An image')).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/settings/answers');
  expect(await seriousViolations(page)).toEqual([]);
});

test('the saved answers picker, open in the composer', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await offerOf(page, 'Hello, is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  const message = page.getByRole('textbox', { name: 'Message' });
  await expect(message).toBeFocused();
  await message.pressSequentially('/');
  await expect(page.getByRole('listbox', { name: 'Saved answers' }).getByRole('option')).toHaveCount(3);
  expect(await seriousViolations(page)).toEqual([]);
});

test('internal notes: a note with a mention, the Note composer, and the mentioned agent\'s notice', async ({ page, browser, demo }) => {
  const customer = demo.newCustomer('Dora Lindqvist', { business: demo.vipIgId });
  await demo.dm(customer, 'Can I still change my spring order?');
  const id = await demo.customerId(customer);
  const veraContext = await browser.newContext({ baseURL: demo.url });
  const vera = await veraContext.newPage();
  await signIn(vera, demo.agent2);
  await signIn(page, demo.admin);
  await page.goto(`/customers/${id}`);
  await page.getByRole('radio', { name: 'Note' }).check();
  await page.getByRole('textbox', { name: 'Note (only your team sees it)' }).fill('Wholesale buyer. @Vera VIP, can you call her back?');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByText('Only your team sees this')).toBeVisible();
  await page.getByRole('button', { name: 'Actions for this item' }).last().click();
  expect(await seriousViolations(page)).toEqual([]);
  await expect(vera.locator('.mention-notice')).toBeVisible();
  expect(await seriousViolations(vera)).toEqual([]);
  await vera.goto(`/customers/${id}`);
  expect(await seriousViolations(vera)).toEqual([]);
  await veraContext.close();
});

test('the Transfer dialog open, with a refusal beside its field, at 1280 and 390 px', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await offerOf(page, 'Hello, is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await page.getByRole('button', { name: 'Transfer', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer this conversation' });
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await expect(dialog.getByText('Choose an agent or an inbox to transfer to.')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(dialog.getByRole('button', { name: 'Transfer' })).toBeInViewport();
  expect(await seriousViolations(page)).toEqual([]);
});

test('search results, people and messages', async ({ page, demo }) => {
  const customer = demo.newCustomer('Marta Lopes');
  await demo.dm(customer, 'Do you ship the wool coat to Porto?');
  await signIn(page, demo.admin);
  await page.goto('/search?q=wool');
  await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.goto('/search?q=%3F');
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

// Only the labels' and the list's regions: the rest of these pages has tests of its own.
async function seriousIn(page: Page, regions: string[]) {
  let builder = new AxeBuilder({ page });
  for (const region of regions) builder = builder.include(region);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
}

test('labels on the customer page, and My work filtered by one, at 1280 and 390 px', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await offerOf(page, 'Hello, is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  const field = page.getByRole('combobox', { name: 'Add label' });
  await field.fill('vip');
  await field.press('Enter');
  await expect(page.getByRole('button', { name: 'Remove label vip' })).toBeVisible();
  await field.fill('a/b');
  await field.press('Enter');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousIn(page, ['#labels', '#my-conversations'])).toEqual([]);
  await page.goto('/desk?label=vip&state=open');
  await expect(page.getByRole('navigation', { name: 'My conversations' }).getByRole('listitem')).toHaveCount(1);
  expect(await seriousIn(page, ['#labels', '#my-conversations'])).toEqual([]);
  await demo.dm(demo.newCustomer('Olga Paz'), 'Any news on my order?');
  await page.goto('/desk?view=all');
  await page.getByRole('navigation', { name: 'All open work' }).getByLabel('Assign Olga Paz').click();
  expect(await seriousIn(page, ['#labels', '#my-conversations'])).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await seriousIn(page, ['#labels', '#my-conversations'])).toEqual([]);
});

test('the composer with an image igdesk refused (bytes not the type it claims)', async ({ page, demo }) => {
  await withAnOffer(page, demo);
  await offerOf(page, 'Hello, is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  await page.getByLabel('Attach images').setInputFiles({
    name: 'photo.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
  });
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'is a PNG image' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test('Settings › Automatic replies, with a rule refused beside its field', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/automatic');
  const form = page.getByRole('form', { name: 'New rule' });
  await form.getByLabel('Name').fill('Order status');
  await form.getByLabel('When').selectOption({ label: 'Regular expression on the text' });
  await form.getByLabel('Looks for').fill('(order');
  await form.getByLabel('Reply', { exact: true }).fill('We are on it.');
  await form.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('form', { name: 'New rule' }).getByLabel('Looks for')).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('form', { name: 'New rule' }).getByLabel('Looks for').fill('(?i)order');
  await page.getByRole('form', { name: 'New rule' }).getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rule Order status added' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('link', { name: 'Edit Order status' }).click();
  await expect(page.getByRole('form', { name: 'Edit rule' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});

test("an inbox's business hours, with a day refused", async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/automatic');
  await page.getByRole('link', { name: 'Business hours of Instagram' }).click();
  const form = page.getByRole('form', { name: 'Hours of Instagram' });
  await form.getByLabel('Time zone').fill('Europe/Lisbon');
  await form.getByLabel('Tuesday').fill('18:00-08:00');
  await form.getByRole('button', { name: 'Save business hours' }).click();
  await expect(page.getByLabel('Tuesday')).toHaveAttribute('aria-invalid', 'true');
  expect(await seriousViolations(page)).toEqual([]);
});

test('a timeline with automatic replies, and the dashboard saying the inbox is closed', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const inboxes = await demo.api(demo.admin, 'GET', '/inboxes');
  const inbox = (inboxes as { data: { id: number; is_default: boolean }[] }).data.find((i) => i.is_default)!;
  await demo.api(demo.admin, 'PUT', `/inboxes/${inbox.id}/business-hours`, {
    time_zone: 'UTC',
    away_message: 'We are closed; back tomorrow.',
  });
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Rui Matos');
  await demo.dm(customer, 'Hello, anyone there?');
  await offerOf(page, 'Rui Matos').getByRole('button', { name: 'Accept' }).click();
  const away = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: 'back tomorrow' });
  await expect(away).toContainText('Automatic reply');
  expect(await seriousViolations(page)).toEqual([]);
  await page.goto('/dashboard');
  await expect(page.getByRole('region', { name: 'Business hours' })).toContainText('Closed — away message on');
  expect(await seriousViolations(page)).toEqual([]);
});
