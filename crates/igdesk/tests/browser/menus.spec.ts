// Each item's menu (the button "Actions for this item"): Like Message and Unlike on a
// customer's message; on a comment, a public reply, a private reply (a DM), Hide and
// Delete — each done once at Instagram, then offered no more, with the reason.
import { test, expect, acceptedCustomer, signIn, offerOf } from './harness';
import type { Locator, Page } from '@playwright/test';

/**
 * Opens `item`'s menu and answers the entry named `name`. An item is redrawn when
 * the live stream brings news of it, which closes its menu: then it is opened again.
 */
async function menuEntry(item: Locator, name: string): Promise<Locator> {
  const menu = item.getByRole('button', { name: 'Actions for this item' });
  await expect(async () => {
    if ((await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
    await expect(item.getByRole('menu')).toBeVisible({ timeout: 1_000 });
  }).toPass();
  return item.getByRole('menuitem', { name, exact: true });
}

async function closeMenu(page: Page, item: Locator) {
  await page.keyboard.press('Escape');
  await expect(item.getByRole('menu')).toBeHidden();
}

test('Like Message reaches Instagram and the menu then offers Unlike', async ({ page, demo }) => {
  const text = 'I love the new summer collection!';
  const { customer, mid } = await acceptedCustomer(page, demo, 'Bianca Rossi', text);
  const item = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });

  await (await menuEntry(item, 'Like Message')).click();
  await expect
    .poll(async () =>
      (await demo.actions()).filter((a) => a.recipient_igsid === customer.igsid && a.action === 'react').map((a) => a.target_mid),
    )
    .toEqual([mid]);
  await expect(item.getByText('You liked this')).toBeVisible();
  await expect(await menuEntry(item, 'Unlike')).toBeVisible();
  await expect(item.getByRole('menuitem', { name: 'Like Message' })).toHaveCount(0);

  await item.getByRole('menuitem', { name: 'Unlike' }).click();
  await expect
    .poll(async () =>
      (await demo.actions()).filter((a) => a.recipient_igsid === customer.igsid && a.action === 'unreact').map((a) => a.target_mid),
    )
    .toEqual([mid]);
  await expect(item.getByText('You liked this')).toHaveCount(0);
  await expect(await menuEntry(item, 'Like Message')).toBeVisible();
});

test('a comment: reply publicly, reply by DM, hide, delete — each once, then disabled with the reason', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Carlos Mendes');
  const text = 'Is this jacket available in green?';
  const [outcome] = await demo.deliver(
    [{ kind: 'comment', from: customer.igsid, username: customer.username, text }],
    [customer],
  );
  const commentId = outcome.mid!;
  await offerOf(page, text).getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  const item = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
  await expect(item).toContainText('Comment on your post');

  // A public reply.
  await (await menuEntry(item, 'Reply with Instagram comment')).click();
  const publicReply = 'Hi Carlos! Yes, green is in stock in every size.';
  await item.getByRole('textbox', { name: 'Reply with Instagram comment' }).fill(publicReply);
  await item.getByRole('button', { name: 'Send reply' }).click();
  await expect
    .poll(async () =>
      (await demo.commentActions()).filter((a) => a.comment_id === commentId).map((a) => [a.action, a.message, a.ok]),
    )
    .toEqual([['reply', publicReply, true]]);
  await expect(item.getByRole('textbox', { name: 'Reply with Instagram comment' })).toHaveCount(0);
  let entry = await menuEntry(item, 'Reply with Instagram comment');
  await expect(entry).toHaveAttribute('aria-disabled', 'true');
  await expect(entry).toHaveAccessibleDescription('this comment already has a public reply from igdesk');
  await closeMenu(page, item);

  // A private reply: a DM to the comment's author.
  await (await menuEntry(item, 'Reply with Instagram DM')).click();
  const privateReply = 'Carlos, I put one aside for you: shall I send the link?';
  await item.getByRole('textbox', { name: 'Reply with Instagram DM' }).fill(privateReply);
  await item.getByRole('button', { name: 'Send reply' }).click();
  await expect
    .poll(async () =>
      (await demo.sent()).filter((m) => m.comment_id === commentId).map((m) => [m.recipient_igsid, m.text]),
    )
    .toEqual([[customer.igsid, privateReply]]);
  entry = await menuEntry(item, 'Reply with Instagram DM');
  await expect(entry).toHaveAttribute('aria-disabled', 'true');
  await expect(entry).toHaveAccessibleDescription('a comment can be answered by private message once');

  // Hide.
  await (await menuEntry(item, 'Hide comment')).click();
  await expect
    .poll(async () =>
      (await demo.commentActions()).filter((a) => a.comment_id === commentId && a.action === 'hide').map((a) => a.ok),
    )
    .toEqual([true]);
  await expect(item.getByText('Hidden on Instagram', { exact: true })).toBeVisible();
  entry = await menuEntry(item, 'Hide comment');
  await expect(entry).toHaveAttribute('aria-disabled', 'true');
  await expect(entry).toHaveAccessibleDescription('the comment is already hidden');

  // Delete, after the browser's confirmation.
  let asked = '';
  page.once('dialog', (dialog) => {
    asked = dialog.message();
    dialog.accept();
  });
  await (await menuEntry(item, 'Delete comment')).click();
  await expect
    .poll(async () =>
      (await demo.commentActions()).filter((a) => a.comment_id === commentId && a.action === 'delete').map((a) => a.ok),
    )
    .toEqual([true]);
  expect(asked).toContain('Delete this comment from Instagram?');
  await expect(item.getByText('Deleted from Instagram', { exact: true })).toBeVisible();
  entry = await menuEntry(item, 'Delete comment');
  await expect(entry).toHaveAttribute('aria-disabled', 'true');
  await expect(entry).toHaveAccessibleDescription('the comment was already deleted from Instagram');
});
