// Automatic replies (OUT-9): an administrator sets an inbox's business hours and a
// rule in Settings › Automatic replies (a refusal shown beside its field, nothing
// typed lost); a customer writes while the inbox is closed, and the desk's timeline
// shows the away message and the rule's answer labelled "Automatic reply".
import { test, expect, signIn, offerOf } from './harness';
import type { Page } from '@playwright/test';
import path from 'node:path';

const shots = path.resolve(__dirname, '../../../../docs/screenshots');
const AWAY = "Thanks for writing! We're closed now and answer from 9:00.";
const PRICES = 'Our price list: shop.example/prices';

async function screenshots(page: Page, name: string) {
  if (!process.env.SCREENSHOTS) return;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(shots, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(shots, `${name}-390.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function setHours(page: Page) {
  await page.goto('/settings/automatic');
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Automatic replies' }),
  ).toHaveAttribute('aria-current', 'page');
  await page.getByRole('link', { name: 'Business hours of Instagram' }).click();
  const form = page.getByRole('form', { name: 'Hours of Instagram' });
  // An unknown time zone is refused beside its field.
  await form.getByLabel('Time zone').fill('Mars/Olympus');
  await form.getByLabel('Away message').fill(AWAY);
  await form.getByRole('button', { name: 'Save business hours' }).click();
  let again = page.getByRole('form', { name: 'Hours of Instagram' });
  await expect(again.getByLabel('Time zone')).toHaveAttribute('aria-invalid', 'true');
  await expect(again.getByLabel('Time zone')).toHaveAccessibleDescription(/is not a time zone igdesk knows/);
  await expect(again.getByLabel('Away message')).toHaveValue(AWAY);
  // So is a day that closes before it opens, beside that day.
  await again.getByLabel('Time zone').fill('Europe/Amsterdam');
  await again.getByLabel('Monday').fill('17:00-09:00');
  await again.getByRole('button', { name: 'Save business hours' }).click();
  again = page.getByRole('form', { name: 'Hours of Instagram' });
  await expect(again.getByLabel('Monday')).toHaveAttribute('aria-invalid', 'true');
  await expect(again.getByLabel('Monday')).toHaveAccessibleDescription(/closes at 09:00 before it opens at 17:00/);
  // Open on weekdays and Saturday morning, but today is a holiday: closed now,
  // whatever the day and the hour.
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await again.getByLabel(day).fill('09:00-12:30, 13:30-17:30');
  }
  await again.getByLabel('Saturday').fill('10:00-14:00');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
  await again.getByLabel('Holidays').fill(`2027-01-01, ${today}`);
  await again.getByRole('button', { name: 'Save business hours' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Business hours saved' })).toBeVisible();
  await expect(page.getByText('Closed — away message on')).toBeVisible();
  // Stored in order, as written once.
  await expect(page.getByLabel('Holidays')).toHaveValue([today, '2027-01-01'].sort().join(', '));
  await expect(page.getByLabel('Monday')).toHaveValue('09:00-12:30, 13:30-17:30');
}

async function addRule(page: Page) {
  await page.goto('/settings/automatic');
  const form = page.getByRole('form', { name: 'New rule' });
  await form.getByLabel('Name').fill('Prices');
  // A pattern igdesk cannot read is refused beside what the rule looks for.
  await form.getByLabel('When').selectOption({ label: 'Regular expression on the text' });
  await form.getByLabel('Looks for').fill('(price');
  await form.getByLabel('Reply', { exact: true }).fill(PRICES);
  await form.getByRole('button', { name: 'Add rule' }).click();
  const again = page.getByRole('form', { name: 'New rule' });
  await expect(again.getByLabel('Looks for')).toHaveAttribute('aria-invalid', 'true');
  await expect(again.getByLabel('Looks for')).toHaveAccessibleDescription(/not a regular expression/);
  await expect(again.getByLabel('Reply', { exact: true })).toHaveValue(PRICES);
  await again.getByLabel('When').selectOption({ label: 'Keywords in the message' });
  await again.getByLabel('Looks for').fill('price, cost');
  await again.getByRole('button', { name: 'Add rule' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rule Prices added' })).toBeVisible();
  const rules = page.getByRole('region', { name: 'Rules' });
  await expect(rules.getByRole('listitem')).toHaveCount(1);
  await expect(rules.getByRole('listitem').first()).toContainText('Keywords: price, cost');
  await expect(rules.getByRole('listitem').first()).toContainText(`Reply “${PRICES}”`);
}

test('business hours and a rule set in Settings answer a customer, labelled on the timeline', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await setHours(page);
  await screenshots(page, 'settings-business-hours');
  await addRule(page);
  await screenshots(page, 'settings-automatic');

  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer('Inês Duarte');
  await demo.dm(customer, "What's the price of the linen shirt?");
  // Outside the hours the offer still comes to the available agent.
  const offer = offerOf(page, 'Inês Duarte');
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  const timeline = page.getByRole('list', { name: 'Timeline' });
  const answer = timeline.getByRole('listitem').filter({ hasText: PRICES });
  await expect(answer).toContainText('Automatic reply');
  await expect(answer).toContainText('Rule: Prices');
  const away = timeline.getByRole('listitem').filter({ hasText: AWAY });
  await expect(away).toContainText('Automatic reply');
  await expect(away).toContainText('Away message');
  await expect(answer).toContainText('Sent');

  // Meta received both, neither tagged HUMAN_AGENT.
  const sent = (await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid);
  expect(sent.map((m) => m.text)).toEqual([PRICES, AWAY]);
  expect(sent.every((m) => m.tag === null)).toBe(true);
  await screenshots(page, 'timeline-automatic');

  // The dashboard says the inbox is closed.
  await page.goto('/dashboard');
  await expect(page.getByRole('region', { name: 'Business hours' })).toContainText('Closed — away message on');
});

test('a rule is changed on its own page and moved up', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  for (const [name, words, reply] of [
    ['Anything', 'hello, hi', 'Thanks, we will be with you soon.'],
    ['Returns', 'return', 'Returns are free within 30 days.'],
  ]) {
    await page.goto('/settings/automatic');
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Looks for').fill(words);
    await form.getByLabel('Reply', { exact: true }).fill(reply);
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect(page.getByRole('status').filter({ hasText: `Rule ${name} added` })).toBeVisible();
  }
  const rules = page.getByRole('region', { name: 'Rules' }).getByRole('listitem');
  await expect(rules).toHaveText([/Anything/, /Returns/]);
  await page.getByRole('button', { name: 'Move Returns up' }).click();
  await expect(rules).toHaveText([/1\. Returns/, /2\. Anything/]);

  // Its page shows it as stored; a refusal keeps what was typed.
  await page.getByRole('link', { name: 'Edit Returns' }).click();
  const form = page.getByRole('form', { name: 'Edit rule' });
  await expect(form.getByLabel('Looks for')).toHaveValue('return');
  await form.getByLabel('Quick replies').fill('A label far longer than twenty | LONG');
  await form.getByRole('button', { name: 'Save rule' }).click();
  const again = page.getByRole('form', { name: 'Edit rule' });
  await expect(again.getByLabel('Quick replies')).toHaveAttribute('aria-invalid', 'true');
  await again.getByLabel('Quick replies').fill('Start a return | RETURN');
  await again.getByLabel('Looks for').fill('return, refund');
  await again.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rule Returns saved' })).toBeVisible();
  await expect(rules.first()).toContainText('Keywords: return, refund');
  await expect(rules.first()).toContainText('quick replies Start a return');

  // The moved rule wins for a message both match.
  const customer = demo.newCustomer('Lena Berg');
  await demo.dm(customer, 'hi, I want a refund');
  await expect
    .poll(async () => (await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid).map((m) => m.text))
    .toEqual(['Returns are free within 30 days.']);
});
