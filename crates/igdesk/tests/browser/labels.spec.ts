// Labels and views: a label added on the customer page, My work filtered
// by it, and an administrator assigning waiting work directly from All open work.
import path from 'node:path';
import { test, expect, signIn, acceptedCustomer, offerOf } from './harness';

test('a label added on the customer page filters My work', async ({ page, demo }) => {
  const { customerId } = await acceptedCustomer(page, demo, 'Rita Nunes', 'Do you ship to Porto?');
  // A second conversation, which the filter must leave out.
  const other = demo.newCustomer('Tomás Reis');
  await demo.dm(other, 'Is the blue scarf back?');
  await offerOf(page, 'Is the blue scarf back?').getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('heading', { name: 'Tomás Reis', exact: true })).toBeVisible();
  await page.goto(`/customers/${customerId}`);

  // The keyboard alone: type, Enter; the chip shows, the suggestion list learns it.
  const labels = page.getByRole('list', { name: 'Labels of Rita Nunes' });
  const field = page.getByRole('combobox', { name: 'Add label' });
  await field.fill(' VIP ');
  await field.press('Enter');
  await expect(labels.getByRole('listitem')).toHaveText(['VIP×']);
  await expect(field).toHaveValue('');
  await field.fill('x'.repeat(40) + 'y');
  await expect(field).toHaveValue('x'.repeat(40));
  await field.fill('returns/exchanges');
  await field.press('Enter');
  await expect(page.locator('#label-error')).toContainText('slash');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await field.fill('returns');
  await field.press('Enter');
  await expect(labels.getByRole('listitem')).toHaveCount(2);
  await labels.getByRole('button', { name: 'Remove label returns' }).press('Enter');
  await expect(labels.getByRole('listitem')).toHaveText(['VIP×']);
  const customer = await demo.api(demo.admin, 'GET', `/customers/${customerId}`);
  expect(customer.labels).toEqual(['VIP']);

  // My work by label: only Rita; the view is in the address and survives opening her.
  const list = page.getByRole('navigation', { name: 'My conversations' });
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await list.getByText('Filters', { exact: true }).click();
  await list.getByLabel('Label').selectOption('VIP');
  await list.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/\/desk\?label=VIP$/);
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('link', { name: /Rita Nunes/ })).toBeVisible();
  await list.getByRole('link', { name: /Rita Nunes/ }).click();
  await expect(page).toHaveURL(new RegExp(`/customers/${customerId}\\?label=VIP$`));
  await expect(list.getByRole('listitem')).toHaveCount(1);
  // The live refresh keeps the filter: Tomás writes again, still left out.
  await demo.dm(other, 'Hello again?');
  await page.waitForTimeout(800);
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await list.getByRole('link', { name: 'Clear filters' }).click();
  await expect(list.getByRole('link', { name: /Tomás Reis/ })).toBeVisible();
});

test('without scripts a refused label is said beside its field, the text kept', async ({ page, demo, browser }) => {
  const { customerId } = await acceptedCustomer(page, demo, 'Nuno Dias', 'Any news on my parcel?');
  // The same page with scripts off: the form posts to the page handler.
  const context = await browser.newContext({ baseURL: demo.url, javaScriptEnabled: false });
  const plain = await context.newPage();
  await signIn(plain, demo.admin);
  await plain.goto(`/customers/${customerId}`);
  const field = plain.getByRole('combobox', { name: 'Add label' });
  await field.fill('returns/exchanges');
  await plain.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(plain.locator('#label-error')).toContainText('A label cannot contain a slash');
  await expect(field).toHaveValue('returns/exchanges');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  // Nothing was stored; a good label then goes in and the field is empty again.
  expect((await demo.api(demo.admin, 'GET', `/customers/${customerId}`)).labels).toEqual([]);
  await field.fill('parcel');
  await plain.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(plain.getByRole('list', { name: 'Labels of Nuno Dias' }).getByRole('listitem')).toHaveText(['parcel×']);
  await expect(plain.locator('#label-error')).toHaveText('');
  await expect(field).toHaveValue('');
  await context.close();
});

test('an administrator assigns waiting work to an agent directly', async ({ page, demo, browser }) => {
  const vera = demo.newCustomer('Lina Costa', { business: demo.vipIgId });
  await demo.dm(vera, 'Can someone help with my VIP order?');
  await demo.customerId(vera);

  // Agent 2 (VIP inbox) is signed in elsewhere; nothing is theirs yet.
  const agentContext = await browser.newContext({ baseURL: demo.url });
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, demo.agent2);
  const agentList = agentPage.getByRole('navigation', { name: 'My conversations' });
  await expect(agentList.getByRole('listitem')).toHaveCount(0);

  await signIn(page, demo.admin);
  const list = page.getByRole('navigation', { name: 'My conversations' });
  await list.getByText('Filters', { exact: true }).click();
  await list.getByLabel('Show').selectOption('all');
  await list.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/\/desk\?view=all$/);
  const all = page.getByRole('navigation', { name: 'All open work' });
  const row = all.getByRole('listitem').filter({ hasText: 'Lina Costa' });
  await expect(row).toContainText('Waiting for an agent');
  await row.getByLabel('Assign Lina Costa').click();
  await row.getByLabel('Agent for Lina Costa').selectOption({ label: 'Vera VIP' });
  await row.getByRole('button', { name: 'Assign' }).click();
  await expect(page).toHaveURL(/\/desk\?view=all$/);
  await expect(all.getByRole('listitem').filter({ hasText: 'Lina Costa' })).toContainText('Vera VIP');

  // The agent's console hears it on the live stream.
  await expect(agentList.getByRole('link', { name: /Lina Costa/ })).toBeVisible();
  // An agent cannot assign: the API refuses.
  const conversation = (await demo.api(demo.agent2, 'GET', '/conversations?state=open')).data[0].id;
  await expect(
    demo.api(demo.agent2, 'POST', `/conversations/${conversation}/assign`, { agent_id: 1 }),
  ).rejects.toThrow(/403/);
  await agentContext.close();
});

// SCREENSHOTS=1: docs/screenshots/labels-1280.png and labels-390.png (a customer's
// labels beside the timeline, My work filtered by one).
test('screenshots of labels and a filtered list', async ({ page, demo, browser }) => {
  test.skip(!process.env.SCREENSHOTS, 'SCREENSHOTS=1 takes them');
  const out = path.resolve(__dirname, '../../../../docs/screenshots');
  await page.setViewportSize({ width: 1280, height: 800 });
  const { customerId } = await acceptedCustomer(page, demo, 'Rita Nunes', 'Do you ship the linen shirt to Porto?');
  for (const [name, text] of [['Tomás Reis', 'Is the blue scarf back in stock?'], ['Chloé Martin', 'My parcel has not arrived yet']]) {
    await demo.dm(demo.newCustomer(name), text);
    await offerOf(page, text).getByRole('button', { name: 'Accept' }).click();
    await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();
    const field = page.getByRole('combobox', { name: 'Add label' });
    await field.fill('wholesale');
    await field.press('Enter');
    await expect(page.getByRole('button', { name: 'Remove label wholesale' })).toBeVisible();
  }
  await page.goto(`/customers/${customerId}`);
  const field = page.getByRole('combobox', { name: 'Add label' });
  for (const label of ['vip', 'wholesale', 'returns']) {
    await field.fill(label);
    await field.press('Enter');
    await expect(page.getByRole('button', { name: `Remove label ${label}` })).toBeVisible();
  }
  await page.goto(`/customers/${customerId}?label=wholesale`);
  await page.getByRole('combobox', { name: 'Add label' }).focus();
  await page.screenshot({ path: path.join(out, 'labels-1280.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('heading', { name: 'Labels' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(out, 'labels-390.png') });

  // A label refused without scripts: the reason beside the field, the text kept.
  const context = await browser.newContext({ baseURL: demo.url, javaScriptEnabled: false });
  const plain = await context.newPage();
  await signIn(plain, demo.admin);
  for (const [width, height, file] of [[1280, 800, 'labels-refused-1280.png'], [390, 844, 'labels-refused-390.png']] as const) {
    await plain.setViewportSize({ width, height });
    await plain.goto(`/customers/${customerId}`);
    await plain.getByRole('combobox', { name: 'Add label' }).fill('returns/exchanges');
    await plain.getByRole('button', { name: 'Add', exact: true }).click();
    await expect(plain.locator('#label-error')).toContainText('slash');
    await plain.getByRole('heading', { name: 'Labels' }).scrollIntoViewIfNeeded();
    await plain.screenshot({ path: path.join(out, file) });
  }
  await context.close();
});
