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

test('a reply the server refuses shows the reason beside the composer and keeps the text', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Wanda Kowalska', 'Can you send me the whole catalogue?');
  const composer = page.getByRole('form', { name: 'Reply to Wanda Kowalska on Instagram' });
  const message = composer.getByRole('textbox', { name: 'Message' });
  // 300 characters, within the composer's 640, but 1,200 bytes: over Meta's 1,000.
  const text = '🌿'.repeat(300);
  await message.fill(text);
  await expect(composer.getByRole('button', { name: 'Send' })).toBeEnabled();
  await composer.getByRole('button', { name: 'Send' }).click();

  const reason = composer.getByRole('alert').filter({ hasText: /1200 UTF-8 bytes; at most 1000/ });
  await expect(reason).toBeVisible();
  await expect(message).toHaveAccessibleDescription(/1200 UTF-8 bytes/);
  await expect(message).toHaveValue(text);
  await expect(page.getByRole('listitem').filter({ hasText: '🌿🌿🌿' })).toHaveCount(0);
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
