// Ending a session from the customer's page: Close & Next goes back to the desk with
// the conversation gone from the list and the next waiting customer offered; No Reply
// Needed ends the session without an answer.
import { test, expect, acceptedCustomer, offerOf } from './harness';

test('Close & Next: back on the desk, the conversation gone, the next waiting customer offered', async ({ page, demo }) => {
  // Room for one conversation: a second customer waits while the first is answered.
  const me = await demo.api(demo.admin, 'GET', '/me');
  await demo.api(demo.admin, 'PATCH', `/agents/${me.id}`, { standard_capacity: 1, max_capacity: 1 });
  await acceptedCustomer(page, demo, 'Dario Conti', 'Where is my parcel?');
  const conversations = page.getByRole('navigation', { name: 'My conversations' });
  await expect(conversations.getByRole('link', { name: /Dario Conti/ })).toBeVisible();

  const waiting = demo.newCustomer('Elena Popescu');
  await demo.dm(waiting, 'Do you have gift cards?');
  await expect
    .poll(async () => {
      const list = await demo.api(demo.admin, 'GET', '/conversations?state=open');
      return list.data.filter((c: any) => c.customer_name === 'Elena Popescu').map((c: any) => c.agent_id);
    })
    .toEqual([null]);
  expect((await demo.api(demo.admin, 'GET', '/offers')).data).toEqual([]);

  await page.getByRole('group', { name: 'End the conversation' }).getByRole('button', { name: 'Close & Next' }).click();
  await expect(page).toHaveURL(/\/desk$/);
  await expect(conversations.getByRole('link', { name: /Dario Conti/ })).toHaveCount(0);
  const offer = offerOf(page, 'Do you have gift cards?');
  await expect(offer).toBeVisible();
  await expect(offer).toContainText('Elena Popescu');
  const closed = await demo.api(demo.admin, 'GET', '/conversations?state=closed');
  expect(closed.data.map((c: any) => [c.customer_name, c.ended_by])).toEqual([['Dario Conti', 'agent']]);
});

test('No Reply Needed ends the session: the conversation leaves the list', async ({ page, demo }) => {
  const text = 'Thanks, that is all!';
  await acceptedCustomer(page, demo, 'Fatima Zahra', text);
  const conversations = page.getByRole('navigation', { name: 'My conversations' });
  await expect(conversations.getByRole('link', { name: /Fatima Zahra/ })).toBeVisible();

  await page.getByRole('group', { name: 'End the conversation' }).getByRole('button', { name: 'No Reply Needed' }).click();
  await expect(conversations.getByRole('link', { name: /Fatima Zahra/ })).toHaveCount(0);
  const item = page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
  await expect(item.getByText('No Reply Needed', { exact: true })).toBeVisible();
  await expect(page.getByRole('group', { name: 'End the conversation' })).toHaveCount(0);
  const closed = await demo.api(demo.admin, 'GET', '/conversations?state=closed');
  expect(closed.data.map((c: any) => [c.customer_name, c.ended_by])).toEqual([['Fatima Zahra', 'no_reply_needed']]);
});
