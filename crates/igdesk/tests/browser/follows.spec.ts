// The company's accounts a customer follows and is followed by (IN-5, seed 000 [D],
// [E]) on the profile, and the history import's progress in Settings › Instagram
// accounts (ACC-7). With SCREENSHOTS=1 both are also shot at 1280 and 390 px.
import AxeBuilder from '@axe-core/playwright';
import { test, expect, signIn } from './harness';
import type { Locator, Page } from '@playwright/test';
import path from 'node:path';

const shots = path.resolve(__dirname, '../../../../docs/screenshots');
/** The demo's account that Settings › Add Instagram account finds unconnected. */
const OUTLET = '17841400000000003';

/** `show`: what a narrow screen scrolls to (a table column off to the side). */
async function screenshots(page: Page, name: string, show?: Locator) {
  if (!process.env.SCREENSHOTS) return;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(shots, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  if (show) await show.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

test('the profile lists the company’s accounts the customer follows and is followed by', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  // Maria writes to the shop and to the VIP account: two IGSIDs, one username.
  const atShop = demo.newCustomer('Maria Lima', { is_user_follow_business: true, is_business_follow_user: false });
  const atVip = demo.newCustomer('Maria Lima', {
    business: demo.vipIgId,
    is_user_follow_business: true,
    is_business_follow_user: true,
  });
  await demo.dm(atShop, 'Do you have the blue scarf?');
  await demo.dm(atVip, 'And in the VIP collection?');
  const id = await demo.customerId(atShop);
  await expect
    .poll(async () => {
      await page.goto(`/customers/${id}`);
      return page.locator('.facts').innerText();
    })
    .toContain('Followed by');
  await expect
    .poll(async () => {
      await page.reload();
      return page.locator('#follows-accounts summary').innerText().catch(() => '');
    })
    .toContain('2 of yours');

  const facts = page.locator('.facts');
  const follows = page.locator('#follows-accounts');
  const followedBy = page.locator('#followed-by-accounts');
  await expect(followedBy.locator('summary')).toHaveText('1 of yours');
  // Closed, the lists hold their accounts out of sight.
  await expect(follows.locator('li')).toHaveCount(2);
  await expect(follows.locator('li').first()).toBeHidden();

  // Keyboard: the summary takes focus and Enter opens the list.
  await follows.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(follows.getByRole('listitem')).toHaveText(['@igdesk.demo.shop', '@igdesk.demo.vip']);
  await page.keyboard.press('Enter');
  await expect(follows.locator('li').first()).toBeHidden();

  // The pointer: hovering opens it, leaving closes it.
  await followedBy.locator('summary').hover();
  await expect(followedBy.getByRole('listitem')).toHaveText(['@igdesk.demo.vip']);
  expect(await seriousViolations(page)).toEqual([]);
  await page.mouse.move(5, 5);
  await expect(followedBy.locator('li').first()).toBeHidden();
  // A click keeps it open.
  await followedBy.locator('summary').click();
  await page.mouse.move(5, 5);
  await expect(followedBy.getByRole('listitem')).toHaveText(['@igdesk.demo.vip']);
  await screenshots(page, 'profile-company-follows');
  await expect(facts).not.toContainText('Follows you');
});

test('the accounts table shows how far each history import got', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/accounts');
  const table = page.getByRole('table');
  // The demo's two accounts were imported when it started.
  await expect
    .poll(async () => {
      await page.reload();
      return table.getByRole('row', { name: /igdesk Demo/ }).filter({ hasText: 'History imported' }).count();
    })
    .toBe(2);

  // The outlet has 30 threads at Meta; Meta fails after the first page.
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < 30; i += 1) {
    const response = await fetch(`${demo.igsUrl}/_igs/history`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        business_ig_id: OUTLET,
        igsid: `5${String(i).padStart(8, '0')}`,
        messages: [{ from_customer: true, text: `old question ${i}`, at_ms: start + i * 1000 }],
      }),
    });
    expect(response.ok).toBe(true);
  }
  await demo.fault({ kind: 'conversations_unavailable', after: 1 });
  await page.getByRole('button', { name: 'Add Instagram account' }).click();
  await page.getByRole('button', { name: 'Continue as Demo Owner' }).click();
  await page.getByRole('button', { name: 'Connect accounts' }).click();
  const outlet = page.getByRole('row', { name: /igdesk Demo Outlet/ });
  await expect
    .poll(async () => {
      await page.goto('/settings/accounts');
      return outlet.innerText();
    })
    .toContain('History: 25 threads imported, importing…');
  await screenshots(page, 'settings-accounts-history', outlet.locator('td.history'));

  await demo.fault(null);
  await expect
    .poll(
      async () => {
        await page.goto('/settings/accounts');
        return outlet.innerText();
      },
      { timeout: 20_000 },
    )
    .toContain('History imported');
  await expect(outlet).toContainText('30 threads, 30 messages');
});
