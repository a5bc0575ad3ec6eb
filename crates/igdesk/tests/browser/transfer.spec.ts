// Transfer between two agents in two browsers: the demo's administrator
// hands an accepted conversation to Ben with a note; Ben's banner says who handed it
// over and why, he accepts, and the conversation is his. The dialog works by keyboard
// and says what is wrong next to the field. With SCREENSHOTS=1 it also saves
// docs/screenshots/transfer-dialog-1280.png and transfer-offer-390.png.
import { test, expect, signIn, offerOf, type Login } from './harness';
import path from 'node:path';

const shots = process.env.SCREENSHOTS ? path.resolve(__dirname, '../../../../docs/screenshots') : null;

test('an agent transfers a conversation with a note and another accepts it', async ({ browser, demo }) => {
  const inboxes = await demo.api(demo.admin, 'GET', '/inboxes');
  const instagram = inboxes.data.find((i: any) => i.name === 'Instagram').id;
  await demo.api(demo.admin, 'POST', '/agents', {
    email: 'ben@igdesk.local',
    name: 'Ben Ito',
    password: 'ben-password',
    inboxes: [instagram],
  });
  const ben: Login = { email: 'ben@igdesk.local', password: 'ben-password', apiToken: '' };
  const me = await demo.api(demo.admin, 'GET', '/me');

  const anaContext = await browser.newContext({ baseURL: demo.url, viewport: { width: 1280, height: 800 } });
  const benContext = await browser.newContext({ baseURL: demo.url, viewport: { width: 390, height: 844 } });
  const ana = await anaContext.newPage();
  const benPage = await benContext.newPage();
  await signIn(ana, demo.admin);
  await signIn(benPage, ben);
  await demo.setAvailable(demo.admin);

  const customer = demo.newCustomer('Inês Duarte');
  await demo.dm(customer, 'Is the linen shirt washable?');
  await offerOf(ana, 'Is the linen shirt washable?').getByRole('button', { name: 'Accept' }).click();
  await expect(ana).toHaveURL(/\/customers\/\d+/);
  // Ben comes in after: the new work was the administrator's.
  await benPage.getByRole('switch', { name: 'Available' }).click();
  await expect(benPage.getByRole('switch', { name: 'Available' })).toHaveAttribute('aria-checked', 'true');

  // By keyboard: Transfer opens the dialog; Escape closes it and gives the focus back.
  const open = ana.getByRole('button', { name: 'Transfer', exact: true });
  await open.focus();
  await ana.keyboard.press('Enter');
  const dialog = ana.getByRole('dialog', { name: 'Transfer this conversation' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Transfer to')).toBeFocused();
  await ana.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();

  await open.click();
  // Nothing chosen: said next to the field.
  await dialog.getByRole('button', { name: 'Transfer' }).click();
  await expect(dialog.getByText('Choose an agent or an inbox to transfer to.')).toBeVisible();
  await expect(dialog.getByLabel('Transfer to')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByLabel('Transfer to').locator('option', { hasText: 'Ben Ito' })).toBeEnabled();
  await dialog.getByLabel('Transfer to').selectOption({ label: 'Ben Ito' });
  await dialog.getByLabel(/^Note/).fill('She asked about sizes: M or L');
  await expect(dialog.getByText('29 / 500')).toBeVisible();
  if (shots) await ana.screenshot({ path: path.join(shots, 'transfer-dialog-1280.png') });
  await dialog.getByRole('button', { name: 'Transfer' }).click();

  // It left the administrator (Close is gone; as an administrator they may still move
  // it), and the timeline says to whom and why.
  const line = `Transferred to Ben Ito by ${me.name}: She asked about sizes: M or L`;
  await expect(ana.getByRole('list', { name: 'Timeline' }).getByText(line)).toBeVisible();
  await expect(ana.getByRole('button', { name: 'Close', exact: true })).toHaveCount(0);

  // Ben's banner, at 390 px.
  const offer = offerOf(benPage, 'Inês Duarte');
  await expect(offer).toContainText(`Transferred by ${me.name}: She asked about sizes: M or L`);
  await expect(offer.getByRole('timer')).toBeVisible();
  if (shots) await benPage.screenshot({ path: path.join(shots, 'transfer-offer-390.png') });
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(benPage).toHaveURL(/\/customers\/\d+/);
  await expect(benPage.getByRole('button', { name: 'Close', exact: true })).toBeVisible();
  await expect(benPage.getByRole('list', { name: 'Timeline' }).getByText(line)).toBeVisible();
  const conversations = await demo.api(demo.admin, 'GET', '/conversations?state=open');
  const benId = (await demo.api(demo.admin, 'GET', '/agents')).data.find((a: any) => a.email === ben.email).id;
  expect(conversations.data.filter((c: any) => c.agent_id === benId)).toHaveLength(1);

  await anaContext.close();
  await benContext.close();
});
