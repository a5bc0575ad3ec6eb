// Internal notes: written from the composer's Note tab, shown as a yellow note "Only
// your team sees this" with its author, never sent to Instagram; an @mention tells
// the mentioned agent, in their own browser, with a notice they can dismiss; only the
// author may edit or delete a note.
import { test, expect, signIn } from './harness';
import type { Page } from '@playwright/test';
import path from 'node:path';

const screenshots = path.resolve(__dirname, '../../../../docs/screenshots');

function timelineItem(page: Page, text: string) {
  return page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
}

test('a note with a mention: the mentioned agent is told, the customer never sees it', async ({ page, browser, demo }) => {
  // A customer of the VIP account: the administrator and Vera (VIP inbox) both see them.
  const customer = demo.newCustomer('Dora Lindqvist', { business: demo.vipIgId });
  await demo.dm(customer, 'Can I still change my spring order?');
  const id = await demo.customerId(customer);

  // Vera is at her desk, in her own browser.
  const veraContext = await browser.newContext({ baseURL: demo.url });
  const vera = await veraContext.newPage();
  await signIn(vera, demo.agent2);

  await signIn(page, demo.admin);
  await page.goto(`/customers/${id}`);
  const composer = page.getByRole('form', { name: 'Reply to Dora Lindqvist on Instagram' });
  await composer.getByRole('radio', { name: 'Note' }).check();
  const text = 'Wholesale buyer since 2021. @Vera VIP, can you call her back about it?';
  await composer.getByRole('textbox', { name: 'Note (only your team sees it)' }).fill(text);
  await expect(composer.getByText(`${[...text].length} / 2000`)).toBeVisible();
  await composer.getByRole('button', { name: 'Add note' }).click();

  const written = timelineItem(page, 'Wholesale buyer since 2021');
  await expect(written.getByText('Only your team sees this')).toBeVisible();
  // The same item, whatever its text becomes.
  const note = page.locator(`#${await written.getAttribute('id')}`);
  await expect(note.getByText('Note by Demo Agent')).toBeVisible();
  await expect(note.locator('mark.mention')).toHaveText('@Vera VIP');
  await expect(composer.getByRole('textbox', { name: /Note/ })).toHaveValue('');

  // Vera hears of it at once: a polite notice with a link to the customer.
  const notice = vera.locator('.mention-notice').filter({ hasText: 'Demo Agent mentioned you on Dora Lindqvist’s timeline' });
  await expect(notice).toBeVisible();
  await expect(vera.getByRole('status').filter({ has: notice })).toBeVisible();
  await expect(notice.getByRole('link', { name: 'Dora Lindqvist’s timeline' })).toHaveAttribute('href', new RegExp(`/customers/${id}`));
  await notice.getByRole('button', { name: /Dismiss/ }).click();
  await expect(notice).toHaveCount(0);

  // She sees the note on the timeline; it is not hers to change.
  await vera.goto(`/customers/${id}`);
  const hers = timelineItem(vera, 'Wholesale buyer since 2021');
  await expect(hers.getByText('Only your team sees this')).toBeVisible();
  await hers.getByRole('button', { name: 'Actions for this item' }).click();
  const edit = hers.getByRole('menuitem', { name: 'Edit note' });
  await expect(edit).toHaveAttribute('aria-disabled', 'true');
  await expect(edit).toHaveAccessibleDescription(/only Demo Agent can change this note/);

  // Nothing went to Instagram.
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);

  // Its author edits it, then writes and deletes another.
  await note.getByRole('button', { name: 'Actions for this item' }).click();
  await note.getByRole('menuitem', { name: 'Edit note' }).click();
  await note.getByRole('textbox', { name: 'Edit note' }).fill('Wholesale buyer since 2020. @Vera VIP, please call her.');
  await note.getByRole('button', { name: 'Save note' }).click();
  await expect(note.getByText('Edited')).toBeVisible();
  await expect(note.locator('.body')).toHaveText('Wholesale buyer since 2020. @Vera VIP, please call her.');

  await composer.getByRole('textbox', { name: /Note/ }).fill('Wrong customer, sorry');
  await composer.getByRole('button', { name: 'Add note' }).click();
  const wrong = timelineItem(page, 'Wrong customer, sorry');
  await expect(wrong).toBeVisible();
  page.once('dialog', (dialog) => dialog.accept());
  await wrong.getByRole('button', { name: 'Actions for this item' }).click();
  await wrong.getByRole('menuitem', { name: 'Delete note' }).click();
  await expect(wrong).toHaveCount(0);
  await page.reload();
  await expect(timelineItem(page, 'Wrong customer, sorry')).toHaveCount(0);

  // Back to replying: the Instagram rules and words return.
  await composer.getByRole('radio', { name: 'Reply' }).check();
  await expect(composer.getByRole('button', { name: 'Send' })).toBeVisible();
  await expect(composer.getByText('0 / 640')).toBeVisible();
  await veraContext.close();
});

test('screenshots of a note at 1280 and 390 px', async ({ page, demo }) => {
  test.skip(!process.env.SCREENSHOTS, 'SCREENSHOTS=1 writes docs/screenshots');
  const customer = demo.newCustomer('Dora Lindqvist', { business: demo.vipIgId });
  await demo.dm(customer, 'Can I still change my spring order?');
  const id = await demo.customerId(customer);
  await signIn(page, demo.admin);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/customers/${id}`);
  const composer = page.getByRole('form', { name: 'Reply to Dora Lindqvist on Instagram' });
  await composer.getByRole('radio', { name: 'Note' }).check();
  await composer.getByRole('textbox', { name: /Note/ }).fill('Wholesale buyer since 2021. @Vera VIP, can you call her back about the spring order?');
  await composer.getByRole('button', { name: 'Add note' }).click();
  await expect(timelineItem(page, 'Wholesale buyer').getByText('Only your team sees this')).toBeVisible();
  await composer.getByRole('textbox', { name: /Note/ }).fill('She prefers a call after 5 pm');
  await page.screenshot({ path: path.join(screenshots, 'notes-1280.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await timelineItem(page, 'Wholesale buyer').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(screenshots, 'notes-390.png') });
});
