// Answering a customer: a reply reaches Instagram and shows Sent, then Read once the
// customer has seen it; a reply the server refuses keeps its text, with the reason
// beside the composer.
import { test, expect, acceptedCustomer } from './harness';

test('a reply reaches Instagram and shows Sent, then Read once the customer has seen it', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Vera Lindholm', 'Do you ship to Sweden?');
  const reply = 'Hi Vera! Yes, we ship to Sweden in 3 to 5 days.';
  await page.getByRole('textbox', { name: 'Message' }).fill(reply);
  await page.getByRole('button', { name: 'Send' }).click();

  let mid = '';
  await expect
    .poll(async () => {
      const sent = (await demo.sent()).find((m) => m.recipient_igsid === customer.igsid && m.text === reply);
      mid = sent?.mid ?? '';
      return mid;
    })
    .not.toBe('');
  const item = page.getByRole('listitem').filter({ hasText: reply });
  await expect(item.getByText('Sent', { exact: true })).toBeVisible();

  // Instagram tells igdesk the customer has seen it (a `read` webhook for that mid).
  await demo.deliver([{ kind: 'read', from: customer.igsid, target: mid }]);
  await expect(item.getByText('Read', { exact: true })).toBeVisible();
  await expect(item.getByText('Sent', { exact: true })).toHaveCount(0);
});

test('a reply sent while its item is being drawn shows Sent, drawn once', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Yusuf Demir', 'Is the blue one back in stock?');
  const reply = 'Hi Yusuf! It is back on Friday.';
  // Instagram takes a moment to answer, so the page first draws the reply unsent; that
  // first drawing is held back until the reply is sent and its news has reached the
  // page: the order a busy machine can produce. It must not leave the item stale.
  await demo.fault({ kind: 'send_slow', millis: 1_000 });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => { release = resolve; });
  let held = false;
  await page.route('**/fragments/items/*', async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (held || !body.includes(reply)) {
      await route.fulfill({ response, body });
      return;
    }
    held = true;
    expect(body).not.toContain('status-sent');
    await expect
      .poll(async () => (await (await page.request.get(route.request().url())).text()).includes('status-sent'))
      .toBe(true);
    await page.waitForTimeout(500);
    await route.fulfill({ response, body });
    release();
  });
  await page.getByRole('textbox', { name: 'Message' }).fill(reply);
  await page.getByRole('button', { name: 'Send' }).click();
  await released;

  const item = page.getByRole('listitem').filter({ hasText: reply });
  await expect(item.getByText('Sent', { exact: true })).toBeVisible();
  await expect(item).toHaveCount(1);
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid).map((m) => m.text)).toEqual([reply]);
  await page.unrouteAll({ behavior: 'wait' });
});

test('300 emoji are within 640 characters but over 1,000 bytes: refused in the page, with the reason', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Wanda Kowalska', 'Can you send me the whole catalogue?');
  const composer = page.getByRole('form', { name: 'Reply to Wanda Kowalska on Instagram' });
  const message = composer.getByRole('textbox', { name: 'Message' });
  await message.fill('🌿'.repeat(300));
  const send = composer.getByRole('button', { name: 'Send' });
  await expect(send).toBeDisabled();
  await expect(send).toHaveAccessibleDescription(/1000 bytes per message/);
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);
});

test('a reply the server refuses shows the reason beside the composer and keeps the text', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Yara Haddad', 'Which sizes do you have?');
  const composer = page.getByRole('form', { name: 'Reply to Yara Haddad on Instagram' });
  const message = composer.getByRole('textbox', { name: 'Message' });
  // While the page is open, an administrator makes the inbox require a topic: the
  // page does not know, the server refuses.
  const inboxes = await demo.api(demo.admin, 'GET', '/inboxes');
  const inbox = inboxes.data.find((i: any) => i.name === 'Instagram').id;
  await demo.api(demo.admin, 'PATCH', `/inboxes/${inbox}`, { requires_topic: true });
  const text = 'We have S, M and L in stock.';
  await message.fill(text);
  await composer.getByRole('button', { name: 'Send' }).click();
  await expect(composer.getByRole('alert')).toHaveText(/requires a topic/);
  await expect(message).toHaveValue(text);
  await expect(message).toHaveAccessibleDescription(/requires a topic/);
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);
});

test('without scripts, 641 characters are refused by the server, with the reason and the text kept', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Xavier Dupont', 'I have a long complaint');
  const composer = page.getByRole('form', { name: 'Reply to Xavier Dupont on Instagram' });
  const text = 'b'.repeat(641);
  await composer.getByRole('textbox', { name: 'Message' }).fill(text);
  await expect(composer.getByRole('button', { name: 'Send' })).toBeDisabled();

  // The form posted as a browser without scripts would (the page's Send is disabled).
  await composer.evaluate((form: HTMLFormElement) => form.submit());
  await page.waitForURL(/\/customers\/\d+\/reply$/);
  const after = page.getByRole('form', { name: 'Reply to Xavier Dupont on Instagram' });
  await expect(after.getByRole('alert')).toHaveText(/641 characters; at most 640/);
  await expect(after.getByRole('textbox', { name: 'Message' })).toHaveValue(text);
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);
});
