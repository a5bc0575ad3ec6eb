// Two agents in two inboxes: each is offered only their inbox's work and cannot open
// the other's customers. The demo's VIP account is routed to the VIP inbox, where
// only agent2@igdesk.local works.
import { test, expect, signIn, offerOf } from './harness';

test("two agents never see each other's inboxes", async ({ browser, demo }) => {
  const adminContext = await browser.newContext({ baseURL: demo.url });
  const agent2Context = await browser.newContext({ baseURL: demo.url });
  const admin = await adminContext.newPage();
  const agent2 = await agent2Context.newPage();
  await signIn(admin, demo.admin);
  await signIn(agent2, demo.agent2);
  await demo.setAvailable(demo.admin);
  await demo.setAvailable(demo.agent2);

  const shopCustomer = demo.newCustomer('Tomás Vega');
  const vipCustomer = demo.newCustomer('Ursula Kent', { business: demo.vipIgId });
  await demo.dm(shopCustomer, 'A question for the shop');
  await demo.dm(vipCustomer, 'A question for my VIP advisor');

  await expect(offerOf(admin, 'A question for the shop')).toBeVisible();
  await expect(offerOf(agent2, 'A question for my VIP advisor')).toBeVisible();
  await expect(offerOf(admin, 'A question for my VIP advisor')).toHaveCount(0);
  await expect(offerOf(agent2, 'A question for the shop')).toHaveCount(0);

  // The shop's customer is not agent2's to open, even by URL.
  const shopCustomerId = await demo.customerId(shopCustomer);
  const response = await agent2.goto(`/customers/${shopCustomerId}`);
  expect(response?.status()).toBeGreaterThanOrEqual(400);
  await expect(agent2.getByText('A question for the shop')).toHaveCount(0);

  await adminContext.close();
  await agent2Context.close();
});
