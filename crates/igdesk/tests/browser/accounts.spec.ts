// Settings › Instagram accounts (ACC-1, ACC-6) in the browser, the simulator playing
// Meta: adding an account through Meta's dialog, reconnecting one whose token Meta
// refused (and the notice every agent of its inbox sees meanwhile), removing one.
import { test, expect, signIn, offerOf } from './harness';

test('an administrator adds an Instagram account with Meta’s login', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Instagram accounts' })).toBeVisible();
  const table = page.getByRole('table');
  // The demo connected its two accounts through the same login when it started.
  await expect(table.getByRole('row', { name: /igdesk Demo Shop/ })).toContainText('Subscribed');
  await expect(table.getByRole('row', { name: /igdesk Demo VIP/ })).toContainText('Facebook Login');

  await page.getByRole('button', { name: 'Add Instagram account' }).click();
  // Meta's dialog (the simulator's).
  await page.getByRole('button', { name: 'Continue as Demo Owner' }).click();
  await expect(page.getByRole('heading', { name: 'Connect Instagram accounts' })).toBeVisible();
  const outlet = page.getByRole('checkbox', { name: /@igdesk\.demo\.outlet/ });
  await expect(outlet).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /@igdesk\.demo\.shop/ })).not.toBeChecked();
  await page.getByRole('button', { name: 'Connect accounts' }).click();

  await expect(page.getByRole('status').filter({ hasText: 'connected and subscribed' })).toBeVisible();
  const row = page.getByRole('row', { name: /igdesk Demo Outlet/ });
  await expect(row).toContainText('@igdesk.demo.outlet');
  await expect(row).toContainText('Subscribed');
  await expect(row).toContainText('Demo Agent');
  const accounts = await demo.api(demo.admin, 'GET', '/accounts');
  expect(accounts.data.map((a: any) => a.username)).toContain('igdesk.demo.outlet');
});

test('a denied login connects nothing and says so', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/accounts');
  await page.getByRole('button', { name: 'Add Instagram account' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { name: 'Nothing was connected' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('did not complete');
  await page.getByRole('link', { name: 'Back to Instagram accounts' }).click();
  await expect(page.getByRole('row')).toHaveCount(3);
});

test('an account Meta refused is reconnected, and its held reply goes', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Rita Alves');
  await demo.dm(customer, 'Is the parcel on its way?');
  await offerOf(page, 'Is the parcel on its way?').getByRole('button', { name: 'Accept' }).click();
  await demo.fault({ kind: 'invalid_token' });
  await page.getByRole('textbox', { name: 'Message' }).fill('It left this morning.');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(async () => (await demo.api(demo.admin, 'GET', '/accounts')).data.some((a: any) => a.needs_reconnect))
    .toBe(true);
  await demo.fault(null);

  // Every page says so until it is done.
  await page.goto('/desk');
  await expect(page.getByRole('status').filter({ hasText: 'needs reconnecting' })).toContainText('@igdesk.demo.shop');
  await page.goto('/settings/accounts');
  const row = page.getByRole('row', { name: /igdesk Demo Shop/ });
  await expect(row).toContainText('Needs reconnecting');
  await row.getByRole('button', { name: 'Reconnect @igdesk.demo.shop' }).click();
  await page.getByRole('button', { name: 'Continue as Demo Owner' }).click();
  const shop = page.getByRole('checkbox', { name: /@igdesk\.demo\.shop/ });
  await expect(shop).toBeChecked();
  await page.getByRole('button', { name: 'Connect accounts' }).click();
  await expect(page.getByRole('row', { name: /igdesk Demo Shop/ })).not.toContainText('Needs reconnecting');
  await expect
    .poll(async () => (await demo.sent()).some((m) => m.text === 'It left this morning.'))
    .toBe(true);
  await page.goto('/desk');
  await expect(page.getByRole('status').filter({ hasText: 'needs reconnecting' })).toHaveCount(0);
});

test('an account is removed after a confirmation', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/accounts');
  const row = page.getByRole('row', { name: /igdesk Demo VIP/ });
  await row.getByText('Remove…').click();
  await row.getByRole('button', { name: 'Remove @igdesk.demo.vip' }).click();
  await expect(page.getByRole('status').filter({ hasText: '@igdesk.demo.vip was removed' })).toBeVisible();
  await expect(page.getByRole('row', { name: /igdesk Demo VIP/ })).toHaveCount(0);
});

test('agents see no account settings, only their own', async ({ page, demo }) => {
  await signIn(page, demo.agent2);
  const response = await page.goto('/settings/accounts');
  expect(response?.status()).toBe(403);
});
