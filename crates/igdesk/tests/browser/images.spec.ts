// Images in a reply: chosen with the file picker, shown as thumbnails that can be
// removed, sent to Instagram; files that are not JPEG, PNG or GIF, and more than ten
// images, are refused in the page before anything is uploaded; an image whose bytes
// are not the type it claims is refused by igdesk, the reason shown in the composer.
import path from 'node:path';
import { test, expect, acceptedCustomer, solidPng } from './harness';
import type { Page } from '@playwright/test';

const png = (name: string, colour: [number, number, number] = [46, 139, 87]) => ({
  name,
  mimeType: 'image/png',
  buffer: solidPng(32, 24, colour),
});

/** Every request that would upload a reply. */
function uploads(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && /\/api\/v1\/customers\/\d+\/messages$/.test(request.url())) seen.push(request.url());
  });
  return seen;
}

test('a chosen image shows as a thumbnail with Remove, and Send delivers it to Instagram', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Yara Haddad', 'What does the parcel look like?');
  const picker = page.getByLabel('Attach images');
  const thumbs = page.getByRole('list', { name: 'Images to send' });

  await picker.setInputFiles([png('parcel.png'), png('label.png', [200, 60, 60])]);
  await expect(thumbs.getByRole('img', { name: 'parcel.png' })).toBeVisible();
  await expect(thumbs.getByRole('img', { name: 'label.png' })).toBeVisible();
  await expect(thumbs.getByRole('button', { name: 'Remove parcel.png' })).toBeVisible();

  await thumbs.getByRole('button', { name: 'Remove label.png' }).click();
  await expect(thumbs.getByRole('img', { name: 'label.png' })).toHaveCount(0);
  await expect(thumbs.getByRole('listitem')).toHaveCount(1);

  await page.getByRole('button', { name: 'Send' }).click();
  await expect
    .poll(async () =>
      (await demo.sent())
        .filter((m) => m.recipient_igsid === customer.igsid)
        .map((m) => ({ kind: m.kind, hasUrl: !!m.attachment_url })),
    )
    .toEqual([{ kind: 'image', hasUrl: true }]);
  await expect(thumbs.getByRole('listitem')).toHaveCount(0);
  const sentItem = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').last();
  await expect(sentItem.getByRole('img')).toBeVisible();
  await expect
    .poll(() => sentItem.getByRole('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBe(32);
  await expect(sentItem.getByText('Sent', { exact: true })).toBeVisible();
});

test('a file that is not a JPEG, PNG or GIF is refused in the page, with the reason', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Zeno Marchetti', 'Here is my receipt');
  const requests = uploads(page);
  const composer = page.getByRole('form', { name: 'Reply to Zeno Marchetti on Instagram' });
  await page.getByLabel('Attach images').setInputFiles({
    name: 'notes.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('not an image'),
  });
  await expect(composer.getByRole('alert')).toHaveText('notes.txt is not a JPEG, PNG or GIF image.');
  await expect(page.getByRole('list', { name: 'Images to send' }).getByRole('listitem')).toHaveCount(0);
  expect(requests).toEqual([]);
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);
});

test('eleven images are refused past the tenth, with the reason', async ({ page, demo }) => {
  await acceptedCustomer(page, demo, 'Amir Tehrani', 'Show me all the colours please');
  const requests = uploads(page);
  const composer = page.getByRole('form', { name: 'Reply to Amir Tehrani on Instagram' });
  const files = Array.from({ length: 11 }, (_, i) => png(`colour-${i + 1}.png`, [20 * i, 100, 200 - 15 * i]));
  await page.getByLabel('Attach images').setInputFiles(files);
  await expect(composer.getByRole('alert')).toHaveText('colour-11.png: at most 10 images in one reply.');
  const thumbs = page.getByRole('list', { name: 'Images to send' });
  await expect(thumbs.getByRole('listitem')).toHaveCount(10);
  await expect(thumbs.getByRole('img', { name: 'colour-11.png' })).toHaveCount(0);
  expect(requests).toEqual([]);
});

test('an image whose bytes are not the type it claims is refused by igdesk, with the reason beside the composer', async ({ page, demo }) => {
  const { customer } = await acceptedCustomer(page, demo, 'Ines Duarte', 'Can you send a photo?');
  const composer = page.getByRole('form', { name: 'Reply to Ines Duarte on Instagram' });
  // A PNG saved under a JPEG's name: the page takes it (it goes by the name), igdesk
  // reads its bytes.
  await page.getByLabel('Attach images').setInputFiles({
    name: 'photo.jpg',
    mimeType: 'image/jpeg',
    buffer: solidPng(32, 24, [46, 139, 87]),
  });
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(composer.getByRole('alert')).toHaveText(
    'The file photo.jpg is a PNG image but was sent as a JPEG: save it with its own type and attach it again.',
  );
  await expect(page.getByRole('list', { name: 'Images to send' }).getByRole('img', { name: 'photo.jpg' })).toBeVisible();
  expect((await demo.sent()).filter((m) => m.recipient_igsid === customer.igsid)).toEqual([]);
  // SCREENSHOTS=1: docs/screenshots/uploads-refused-1280.png and -390.png.
  if (process.env.SCREENSHOTS) {
    const out = path.resolve(__dirname, '../../../../docs/screenshots');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.screenshot({ path: path.join(out, 'uploads-refused-1280.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await composer.getByRole('alert').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(out, 'uploads-refused-390.png') });
  }
});
