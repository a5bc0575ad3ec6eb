// Search (the top bar's box): people by name, messages by their words with the
// words marked (screenshots with SCREENSHOTS=1), a result that opens the timeline at its item (older than the page
// the profile first draws), and an agent who finds only their own inboxes' work.
import { test, expect, signIn } from './harness';
import path from 'node:path';

const shots = path.resolve(__dirname, '../../../../docs/screenshots');

test('a message found opens the timeline at it, the words marked', async ({ page, demo }) => {
  const marta = demo.newCustomer('Marta Lopes');
  await demo.dm(marta, 'Do you ship the wool coat to Porto before Christmas?');
  // Seventy later messages push it off the first page of her timeline.
  const later = Array.from({ length: 70 }, (_, i) => ({ kind: 'text', from: marta.igsid, text: `Message number ${i + 1}` }));
  await demo.deliver(later, [marta]);
  const other = demo.newCustomer('Rui Costa');
  await demo.dm(other, 'Is the wool scarf back in stock?');

  await signIn(page, demo.admin);
  const box = page.getByRole('searchbox', { name: 'Search people and messages' });
  await box.fill('wool coat');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=wool\+coat$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Search results for “wool coat”' })).toBeVisible();
  await expect(box).toHaveValue('wool coat');
  const messages = page.getByRole('list', { name: 'Messages' });
  await expect(messages.getByRole('listitem')).toHaveCount(1);
  const found = messages.getByRole('link', { name: /Message from Marta Lopes/ });
  await expect(found.locator('mark')).toHaveText(['wool', 'coat']);
  await expect(page.getByText('No people found.')).toBeVisible();
  if (process.env.SCREENSHOTS) {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(shots, 'search-1280.png') });
  }

  await found.click();
  await expect(page).toHaveURL(/\/customers\/\d+\?item=\d+#item-\d+$/);
  const item = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem')
    .filter({ hasText: 'Do you ship the wool coat to Porto' });
  await expect(item).toBeInViewport();
  // The newest messages are on the page too, below it.
  await expect(page.getByText('Message number 70')).toBeAttached();

  // People, by a name typed in part.
  await box.fill('marta lo');
  await box.press('Enter');
  await expect(page.getByRole('list', { name: 'People' }).getByRole('link', { name: 'Marta Lopes' })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Messages' })).toHaveCount(0);
  await expect(page.getByText('No messages found.')).toBeVisible();

  // Nothing to search for is said, not searched.
  await box.fill('?!');
  await box.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('type a word, a name or a number to search for');
});

test('an agent finds only the work of their own inboxes', async ({ page, demo }) => {
  const shop = demo.newCustomer('Teresa Alves');
  await demo.dm(shop, 'The velvet blazer arrived torn');
  const vip = demo.newCustomer('Vera Mendes', { business: demo.vipIgId });
  await demo.dm(vip, 'Can I book a velvet fitting?');

  await signIn(page, demo.agent2);
  await page.setViewportSize({ width: 390, height: 844 });
  const box = page.getByRole('searchbox', { name: 'Search people and messages' });
  await box.fill('velvet');
  await box.press('Enter');
  const messages = page.getByRole('list', { name: 'Messages' });
  await expect(messages.getByRole('listitem')).toHaveCount(1);
  await expect(messages).toContainText('Vera Mendes');
  await expect(messages).not.toContainText('Teresa');
  if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(shots, 'search-390.png'), fullPage: true });
  await box.fill('teresa');
  await box.press('Enter');
  await expect(page.getByText('No people found.')).toBeVisible();
});

test.describe('in the demo', () => {
  test.use({ demoOptions: { scenario: true } });

  test('weeks of history imported on connecting are there to search, and open at the message', async ({ page, demo }) => {
    await signIn(page, demo.admin);
    const messages = page.getByRole('list', { name: 'Messages' });
    // The import runs as the demo starts: search until it is in.
    await expect(async () => {
      await page.goto('/search?q=wool+coat');
      await expect(messages.getByRole('listitem').filter({ hasText: 'Jonas Weber' }).first()).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expect(messages).toContainText('Nuno Ferreira');
    await expect(messages).toContainText('Tomás Ruiz');
    // Newest first: Tomás wrote 4 days ago, Jonas 37.
    const names = await messages.getByRole('listitem').allInnerTexts();
    const at = (name: string) => names.findIndex((t) => t.includes(name));
    expect(at('Tomás Ruiz')).toBeLessThan(at('Jonas Weber'));
    if (process.env.SCREENSHOTS) await page.screenshot({ path: path.join(shots, 'search-demo-history.png'), fullPage: true });
    // An order number, as a customer wrote it.
    await page.goto('/search?q=%234431');
    await expect(messages.getByRole('listitem')).toHaveCount(1);
    await messages.getByRole('link').first().click();
    await expect(page).toHaveTitle(/Liam O'Brien · igdesk/);
    await expect(page.getByText("It's #4431")).toBeVisible();
  });
});
