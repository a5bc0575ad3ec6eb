// Conversation starters (Settings › Instagram accounts › Conversation starters): an
// administrator edits the demo account's ice breakers and persistent menu, saves
// them to Instagram (the simulator's Messenger Profile API) and sees them read back;
// a refusal names its field and keeps what was typed; Meta's own refusal is said in
// its words; a customer's tap shows on the timeline with its payload. With
// SCREENSHOTS=1 the page is also shot at 1280 and 390 px for the documentation.
import { test, expect, signIn } from './harness';
import type { Page } from '@playwright/test';
import path from 'node:path';

const out = path.resolve(__dirname, '../../../../docs/screenshots');

/** What the simulator (Meta) holds for the demo account. */
async function held(igsUrl: string, igId: string): Promise<any> {
  const response = await fetch(`${igsUrl}/_igs/messenger_profile/${igId}`);
  return response.json();
}

async function openStarters(page: Page, username: string) {
  await page.goto('/settings/accounts');
  await page.getByRole('link', { name: `Conversation starters of @${username}` }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Conversation starters' })).toBeVisible();
}

function heldNow(page: Page) {
  return page.getByRole('region', { name: 'What Instagram holds now' });
}

test('an administrator edits the ice breakers and menu, saves them to Instagram and sees them read back', async ({
  page,
  demo,
}) => {
  await signIn(page, demo.admin);
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data as any[];
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  await openStarters(page, shop.username);

  // The demo's starters, as Meta holds them, fill the form and the read-back.
  await expect(page.getByLabel('Question 1')).toHaveValue('Where is my order?');
  await expect(heldNow(page).getByText('Do you ship abroad?')).toBeVisible();

  await page.getByLabel('Question 3').fill('Can I return an item?');
  await page.getByLabel('Payload 3').fill('RETURNS');
  await page.getByLabel('Item 3').selectOption({ label: 'Postback' });
  await page.getByLabel('Title 3').fill('Opening hours');
  await page.getByLabel('Payload or link 3').fill('HOURS');
  await page.getByRole('button', { name: 'Save to Instagram' }).click();

  await expect(page.locator('.settings-section').getByRole('status')).toContainText(
    'Instagram now holds 3 ice breakers and 3 menu items',
  );
  await expect(heldNow(page).getByText('Can I return an item?')).toBeVisible();
  await expect(heldNow(page).getByText('Opening hours')).toBeVisible();
  const meta = await held(demo.igsUrl, demo.igId);
  expect(meta.ice_breakers[0].call_to_actions[2]).toEqual({ question: 'Can I return an item?', payload: 'RETURNS' });
  expect(meta.persistent_menu[0].call_to_actions[2]).toEqual({ type: 'postback', title: 'Opening hours', payload: 'HOURS' });

  // A link that is not https is refused beside its field, before Meta is asked; what
  // was typed stays.
  await page.getByLabel('Item 4').selectOption({ label: 'Link' });
  await page.getByLabel('Title 4').fill('Our blog');
  await page.getByLabel('Payload or link 4').fill('http://blog.example');
  await page.getByRole('button', { name: 'Save to Instagram' }).click();
  const link = page.getByLabel('Payload or link 4');
  await expect(link).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('A menu link must be a full https:// address.')).toBeVisible();
  await expect(link).toHaveValue('http://blog.example');
  await expect(page.locator('#refused')).toContainText('Nothing was sent to Instagram');
  expect((await held(demo.igsUrl, demo.igId)).persistent_menu[0].call_to_actions).toHaveLength(3);

  // Emptying a row drops it.
  await page.getByLabel('Title 4').fill('');
  await page.getByLabel('Payload or link 4').fill('');
  await page.getByLabel('Question 2').fill('');
  await page.getByLabel('Payload 2').fill('');
  await page.getByRole('button', { name: 'Save to Instagram' }).click();
  await expect(page.locator('.settings-section').getByRole('status')).toContainText('2 ice breakers and 3 menu items');
  await expect(heldNow(page).getByText('Do you ship abroad?')).toHaveCount(0);

  if (process.env.SCREENSHOTS) {
    // The page scrolls inside <main>: the shot is as tall as its content.
    const tall = () => page.evaluate(() => document.querySelector('main')!.scrollHeight + 60);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.setViewportSize({ width: 1280, height: Math.max(800, await tall()) });
    await page.screenshot({ path: path.join(out, 'settings-starters.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.setViewportSize({ width: 390, height: Math.max(844, await tall()) });
    await page.screenshot({ path: path.join(out, 'settings-starters-390.png') });
  }
});

test("Instagram's own refusal is said in its words and nothing typed is lost", async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data as any[];
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  await openStarters(page, shop.username);
  await fetch(`${demo.igsUrl}/_igs/messenger_profile_refusal`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: 100, message: '(#100) Ice breakers are not available for this account' }),
  });
  await page.getByLabel('Question 4').fill('Is there a shop in Porto?');
  await page.getByLabel('Payload 4').fill('PORTO');
  await page.getByRole('button', { name: 'Save to Instagram' }).click();
  await expect(page.locator('#meta-error')).toContainText('Ice breakers are not available for this account');
  await expect(page.getByLabel('Question 4')).toHaveValue('Is there a shop in Porto?');
  // What Instagram holds is unchanged, and shown so.
  await expect(heldNow(page).getByText('Is there a shop in Porto?')).toHaveCount(0);
  await expect(heldNow(page).getByText('Where is my order?')).toBeVisible();

  // Instagram out of reach: what it holds is unknown, so no form is offered (an empty
  // one saved later would remove the starters).
  await demo.fault({ kind: 'unavailable' });
  await page.goto(page.url());
  await expect(page.locator('#meta-error')).toContainText('What Instagram holds could not be read');
  await expect(page.getByRole('button', { name: 'Save to Instagram' })).toHaveCount(0);
  await demo.fault(null);
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(page.getByLabel('Question 1')).toHaveValue('Where is my order?');
});

test('a tap on an ice breaker shows on the timeline with its payload', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const customer = demo.newCustomer('Rui Costa');
  await demo.deliver([{ kind: 'ice_breaker', from: customer.igsid, title: 'Where is my order?' }], [customer]);
  const id = await demo.customerId(customer);
  await page.goto(`/customers/${id}`);
  const item = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: 'Where is my order?' });
  await expect(item).toContainText('payload ORDER_STATUS');
});
