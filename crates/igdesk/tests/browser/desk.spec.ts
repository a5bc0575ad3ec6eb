// The desk: offers arrive live, Accept / Decline, the 30-second timeout, answering,
// the composer's counter, and a phone-sized screen.
import { test, expect, signIn, offerOf, type Demo } from './harness';
import type { Page } from '@playwright/test';

async function offered(page: Page, demo: Demo, name: string, text: string) {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer(name);
  await demo.dm(customer, text);
  // Found by what the customer wrote (a long preview may be cut); the first test
  // checks that it names them.
  const offer = offerOf(page, text.slice(0, 40));
  await expect(offer).toBeVisible({ timeout: 5_000 });
  return { customer, offer };
}

test('a customer writes: an offer with their name, a preview, a countdown, Accept and Decline', async ({ page, demo }) => {
  const { offer } = await offered(page, demo, 'Marta Silva', 'Do you have the linen shirt in blue?');
  await expect(offer).toContainText('Marta Silva');
  await expect(offer).toContainText('Do you have the linen shirt in blue?');
  await expect(offer.getByRole('timer')).toBeVisible();
  await expect(offer.getByRole('button', { name: 'Accept' })).toBeVisible();
  await expect(offer.getByRole('button', { name: 'Decline' })).toBeVisible();
});

test('Accept opens the customer ready to answer; Send reaches Instagram and shows Sent', async ({ page, demo }) => {
  const { customer, offer } = await offered(page, demo, 'Noah Becker', 'Can I pick up my order today?');
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  const message = page.getByRole('textbox', { name: 'Message' });
  await expect(message).toBeFocused();
  await expect(page.getByRole('region', { name: 'Offers' }).getByRole('article')).toHaveCount(0);

  const reply = 'Hi Noah! Yes, it is ready for you until 7 pm.';
  await message.fill(reply);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(async () => (await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid).map((m) => m.text))
    .toContain(reply);
  const item = page.getByRole('listitem').filter({ hasText: reply });
  await expect(item.getByText('Sent', { exact: true })).toBeVisible();
  await expect(message).toHaveValue('');
});

test('Decline removes the banner', async ({ page, demo }) => {
  const { offer } = await offered(page, demo, 'Olga Petrova', 'Is the store open on Monday?');
  await offer.getByRole('button', { name: 'Decline' }).click();
  await expect(offer).toHaveCount(0);
  await expect(page).toHaveURL(/\/desk$/);
});

test('an offer left for 30 seconds goes, and no more work comes until Next', async ({ page, demo }) => {
  const { offer } = await offered(page, demo, 'Paulo Reis', 'Hello? Anyone there?');
  await demo.advanceClock(31_000);
  await expect(offer).toHaveCount(0);
  await expect(page.getByText(/no more work comes.*until.*Next/i)).toBeVisible();

  // Another customer writes: nothing is offered while held.
  await demo.dm(demo.newCustomer('Quentin Roy'), 'Hi there, anyone?');
  await page.waitForTimeout(1_500);
  await expect(offerOf(page, 'Hi there, anyone?')).toHaveCount(0);

  // Next: work comes again.
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('region', { name: 'Offers' }).getByRole('article').first()).toBeVisible();
  await expect(page.getByText(/no more work comes.*until.*Next/i)).toHaveCount(0);
});

test('the composer counts to 640 characters', async ({ page, demo }) => {
  const { offer } = await offered(page, demo, 'Rita Moreau', 'A long question is coming');
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  const message = page.getByRole('textbox', { name: 'Message' });
  const counter = page.locator('.counter');
  const send = page.getByRole('button', { name: 'Send' });

  await message.fill('a'.repeat(100));
  await expect(counter).toContainText('100');
  await expect(counter).not.toHaveClass(/\b(warn|limit)\b/);
  await expect(send).toBeEnabled();

  await message.fill('a'.repeat(630));
  await expect(counter).toHaveClass(/\bwarn\b/);
  await expect(send).toBeEnabled();

  await message.fill('a'.repeat(640));
  await expect(counter).toHaveClass(/\blimit\b/);
  await expect(send).toBeEnabled();

  await message.fill('a'.repeat(641));
  await expect(send).toBeDisabled();

  await message.fill('a'.repeat(640));
  await expect(send).toBeEnabled();
});

test('at 390 px wide nothing overflows sideways', async ({ page, demo }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const { offer } = await offered(page, demo, 'Sofia Lindqvist-Andersson', 'Hello! '.repeat(30).trim());
  const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);
  expect(await scrollWidth()).toBeLessThanOrEqual(390);
  await expect(offer.getByRole('button', { name: 'Accept' })).toBeInViewport();

  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  expect(await scrollWidth()).toBeLessThanOrEqual(390);
});

test('an offer made while the desk was loading still shows', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  // The page is drawn with no offer; its live stream connects only once the offer
  // has been made, so the stream starts after it.
  let offerMade!: () => void;
  const made = new Promise<void>((resolve) => (offerMade = resolve));
  await page.route('**/api/v1/events', async (route) => {
    await made;
    await route.continue();
  });
  await page.reload();
  await expect(page.getByRole('region', { name: 'Offers' }).getByRole('article')).toHaveCount(0);
  await demo.dm(demo.newCustomer('Tariq Aziz'), 'Are you open on Sunday?');
  await expect.poll(async () => (await demo.api(demo.admin, 'GET', '/offers')).data.length).toBe(1);
  offerMade();
  await expect(offerOf(page, 'Are you open on Sunday?')).toBeVisible();
});

test("with another's offer showing, the open customer stays marked in My conversations", async ({ page, demo }) => {
  const { offer } = await offered(page, demo, 'Ugo Bianchi', 'Is the sale still on?');
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  await demo.dm(demo.newCustomer('Vittoria Neri'), 'Do you gift-wrap?');
  await expect(offerOf(page, 'Do you gift-wrap?')).toBeVisible();

  // The page drawn again: its live stream redraws the list when it connects.
  const redrawn = page.waitForResponse((r) => r.url().includes('/fragments/conversations?'));
  await page.reload();
  await redrawn;
  const list = page.getByRole('navigation', { name: 'My conversations' });
  await expect(list.getByRole('link', { name: /Ugo Bianchi/ })).toHaveAttribute('aria-current', 'page');
});
