// Saved answers: an administrator adds one in Settings; an agent types
// `/` and a few letters of its title in the composer, picks it with the keyboard,
// and the text — its placeholders filled in for the customer — is sent like any
// reply.
import { test, expect, signIn, offerOf, solidPng } from './harness';
import type { Page } from '@playwright/test';
import path from 'node:path';

const shots = path.resolve(__dirname, '../../../../docs/screenshots');

const TITLE = 'Shipping to Sweden';
const TEXT = 'Hej {first_name}! Parcels to Sweden take 3 to 5 days. {agent_name}, {business_name}';

async function addInSettings(page: Page) {
  await page.goto('/settings/answers');
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Saved answers' }))
    .toHaveAttribute('aria-current', 'page');
  const form = page.getByRole('form', { name: 'New saved answer' });
  await form.getByLabel('Title').fill(TITLE);
  await form.getByLabel('For').selectOption({ label: 'Agents of VIP' });
  // An unknown placeholder is refused next to the text, and nothing typed is lost.
  await form.getByLabel('Text').fill('Hej {name}!');
  await form.getByRole('button', { name: 'Add saved answer' }).click();
  const again = page.getByRole('form', { name: 'New saved answer' });
  await expect(again.getByLabel('Text')).toHaveAttribute('aria-invalid', 'true');
  await expect(again.getByLabel('Text')).toHaveAccessibleDescription(/\{name\} is not a placeholder/);
  await expect(again.getByLabel('Title')).toHaveValue(TITLE);
  await again.getByLabel('Text').fill(TEXT);
  await again.getByRole('button', { name: 'Add saved answer' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Saved answer ${TITLE} added` })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: TITLE });
  await expect(row.getByRole('cell').nth(0)).toHaveText('VIP');
  await expect(row).toContainText('0');
}

test('an answer added in Settings is inserted with / and the keyboard, and sent', async ({ page, browser, demo }) => {
  await signIn(page, demo.admin);
  await addInSettings(page);

  // Vera works in VIP; a VIP customer writes and she accepts.
  const context = await browser.newContext({ baseURL: demo.url });
  const vera = await context.newPage();
  await signIn(vera, demo.agent2);
  await demo.setAvailable(demo.agent2);
  const customer = demo.newCustomer('Greta Nilsson', { business: demo.vipIgId });
  await demo.dm(customer, 'How long does shipping to Stockholm take?');
  await offerOf(vera, 'How long does shipping').getByRole('button', { name: 'Accept' }).click();
  const message = vera.getByRole('textbox', { name: 'Message' });
  await expect(message).toBeFocused();

  await message.pressSequentially('/ship');
  const list = vera.getByRole('listbox', { name: 'Saved answers' });
  await expect(list).toBeVisible();
  // The demo's "Shipping times" (for everyone) and VIP's new one both match.
  await expect(list.getByRole('option')).toHaveText([/^Shipping times/, new RegExp(`^${TITLE}`)]);
  await expect(list.getByRole('option', { name: /Shipping times/ })).toHaveAttribute('aria-selected', 'true');
  await message.press('ArrowDown');
  const chosen = list.getByRole('option', { name: new RegExp(TITLE) });
  await expect(chosen).toHaveAttribute('aria-selected', 'true');
  await expect(message).toHaveAttribute('aria-activedescendant', (await chosen.getAttribute('id'))!);
  await message.press('Enter');
  await expect(list).toBeHidden();
  await expect(message).toHaveValue('Hej Greta! Parcels to Sweden take 3 to 5 days. Vera VIP, igdesk Demo VIP');
  const text = await message.inputValue();
  // The counter counts it like anything typed.
  await expect(vera.locator('.counter')).toHaveText(`${[...text].length} / 640`);

  // Escape closes the list without inserting anything.
  await message.press('End');
  await message.pressSequentially(' /ret');
  await expect(list).toBeVisible();
  await message.press('Escape');
  await expect(list).toBeHidden();
  await expect(message).toHaveValue(`${text} /ret`);
  await message.fill(text);

  await vera.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(async () => (await demo.sent()).find((m) => m.recipient_igsid === customer.igsid)?.text ?? '')
    .toBe(text);

  // The administrator sees the use counted.
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: TITLE }).getByRole('cell', { name: '1', exact: true })).toBeVisible();
  await context.close();
});

test('the Saved answers button opens the same list; an answer\'s image joins the reply; agents cannot open the Settings section', async ({ page, demo }) => {
  // An administrator gives "Opening hours" an image (through the API).
  const answers = (await demo.api(demo.admin, 'GET', '/answers')).data as any[];
  const hours = answers.find((a) => a.title === 'Opening hours').id;
  const put = await fetch(`${demo.url}/api/v1/answers/${hours}/image`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${demo.admin.apiToken}`, 'Content-Type': 'image/png' },
    body: solidPng(8, 8, [200, 120, 40]),
  });
  expect(put.status).toBe(200);
  await signIn(page, demo.agent2);
  await demo.setAvailable(demo.agent2);
  const customer = demo.newCustomer('Olle Berg', { business: demo.vipIgId });
  await demo.dm(customer, 'When are you open on Saturday?');
  await offerOf(page, 'When are you open').getByRole('button', { name: 'Accept' }).click();
  const message = page.getByRole('textbox', { name: 'Message' });
  await expect(message).toBeFocused();
  await message.fill('Hello!');
  await page.getByRole('button', { name: 'Saved answers' }).click();
  const list = page.getByRole('listbox', { name: 'Saved answers' });
  await expect(list.getByRole('option')).toHaveCount(3);
  await expect(message).toBeFocused();
  await message.pressSequentially('open');
  await expect(list.getByRole('option')).toHaveText([/^Opening hours/]);
  await list.getByRole('option', { name: /Opening hours/ }).click();
  await expect(message).toHaveValue(/^Hello! Our shop is open Monday to Saturday.*Speak soon, Olle!$/);
  await expect(page.getByRole('list', { name: 'Images to send' }).getByRole('img', { name: 'Opening hours.png' })).toBeVisible();
  await page.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(async () => (await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid).map((m) => m.kind))
    .toEqual(['text', 'image']);

  const response = await page.goto('/settings/answers');
  expect(response?.status()).toBe(403);
});

test('an administrator gives an answer an image in Settings, sees a wrong file refused next to the field, and removes it', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/answers');
  await page.getByRole('row').filter({ hasText: 'Opening hours' }).getByRole('link').first().click();
  const image = page.getByRole('region', { name: 'Image' });
  await expect(image).toContainText('No image: the text alone is sent.');

  // Not an image, whatever its name says: refused under the field, nothing kept.
  await image.getByLabel('An image').setInputFiles({ name: 'hours.png', mimeType: 'image/png', buffer: Buffer.from('<html>not an image</html>') });
  await image.getByRole('button', { name: 'Upload image' }).click();
  const refused = page.getByRole('region', { name: 'Image' });
  await expect(refused.getByLabel('An image')).toHaveAttribute('aria-invalid', 'true');
  await expect(refused.getByLabel('An image')).toHaveAccessibleDescription(/hours\.png is not a JPEG, PNG or GIF image/);

  await refused.getByLabel('An image').setInputFiles({ name: 'hours.png', mimeType: 'image/png', buffer: solidPng(16, 16, [200, 120, 40]) });
  await refused.getByRole('button', { name: 'Upload image' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved answer Opening hours: its image is sent after the text.' })).toBeVisible();
  const shown = page.getByRole('region', { name: 'Image' });
  await expect(shown.getByRole('img', { name: 'The image of Opening hours' })).toBeVisible();
  const answers = (await demo.api(demo.admin, 'GET', '/answers')).data as any[];
  expect(answers.find((a) => a.title === 'Opening hours').image_url).toMatch(/^\/media\//);
  if (process.env.SCREENSHOTS) {
    await page.getByRole('region', { name: 'Image' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'settings-answer-image-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(shots, 'settings-answer-image-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  await shown.getByRole('button', { name: 'Remove image' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'its image is removed' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Image' })).toContainText('No image: the text alone is sent.');
  const after = (await demo.api(demo.admin, 'GET', '/answers')).data as any[];
  expect(after.find((a) => a.title === 'Opening hours').image_url ?? null).toBeNull();
});
