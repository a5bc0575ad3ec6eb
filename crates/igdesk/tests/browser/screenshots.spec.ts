// Screenshots for the documentation (docs/screenshots/*.png), taken only with
// SCREENSHOTS=1 (playwright.config.ts leaves this file out otherwise): the sign-in
// page; the desk with an offer and a few conversations; the offer banner; a
// customer's profile with many kinds of item; the composer at 630 and 640
// characters; the profile 390 px wide.
//
// The demo's opening scenario plays first: Ana (a question, a photo, the shop's answer
// from the Instagram app with her reaction), Ben, Chloé; Emil writes later.
import { test, expect, signIn, offerOf } from './harness';
import type { Locator, Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

const out = path.resolve(__dirname, '../../../../docs/screenshots');
const ANA = '1000001';
const EMIL = '1000004';

test.use({ demoOptions: { scenario: true }, viewport: { width: 1280, height: 800 } });

/** Every image on the page drawn (lazy ones too), so none is blank in a shot. */
async function imagesLoaded(page: Page) {
  await page.evaluate(async () => {
    for (const img of Array.from(document.images)) img.loading = 'eager';
    await Promise.all(Array.from(document.images, (img) => img.decode().catch(() => {})));
  });
}

/** A timeline item of the open profile, found by its text. */
function item(page: Page, text: string): Locator {
  return page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').filter({ hasText: text });
}

async function accept(page: Page, name: string) {
  await offerOf(page, name).getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveTitle(new RegExp(`${name} · igdesk`));
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
}

async function send(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');
}

/** A long answer: 630 characters, then signed to make 640. */
const LONG_630 =
  'Hi Ana, thank you so much for your patience! Here is everything about your order. The linen shirt in M is ' +
  'reserved for you and leaves our warehouse tomorrow morning; you will get the tracking link by email as soon as ' +
  'the courier collects it. The sage colour you asked about is back in stock on Friday, in every size from XS to XL. ' +
  'If you like, I can add one to the same parcel, so you only pay for shipping once. Returns are free within 30 ' +
  'days: just keep the label that comes in the box. And if the size is not quite right, we will gladly swap it at ' +
  'no cost. Is there anything else I can help you with today? Have a lovely week 🌿';
const LONG_640 = `${LONG_630}\nBest, Lia`;

test('the console, for the documentation', async ({ page, demo }) => {
  fs.mkdirSync(out, { recursive: true });
  await page.goto('/');
  await page.screenshot({ path: path.join(out, 'sign-in.png') });

  await signIn(page, demo.admin);
  // Room for three conversations and an offer on top.
  const me = await demo.api(demo.admin, 'GET', '/me');
  await demo.api(demo.admin, 'PATCH', `/agents/${me.id}`, { standard_capacity: 4, max_capacity: 6 });
  await demo.setAvailable(demo.admin);

  // --- Ana's profile: many kinds of item -------------------------------------------
  await accept(page, 'Ana Souza');
  const question = 'Is the linen shirt still available in M?';
  await expect(item(page, question)).toBeVisible();
  await item(page, question).getByRole('button', { name: 'Actions for this item' }).click();
  await item(page, question).getByRole('menuitem', { name: 'Like Message' }).click();
  await expect(item(page, question).getByText('You liked this')).toBeVisible();

  // A comment's time is in whole seconds: it comes before the reply, not beside it.
  await demo.deliver([
    { kind: 'comment', from: ANA, username: 'ana.souza', text: 'Gorgeous colours! Does it come in sage?' },
  ]);
  await expect(item(page, 'Gorgeous colours!')).toBeVisible();
  const reserved = 'Lovely! I have put one aside for you. Shall we ship it, or would you rather collect it in the shop?';
  await send(page, reserved);
  let reservedMid = '';
  await expect
    .poll(async () => {
      reservedMid = (await demo.sent()).find((m) => m.text === reserved)?.mid ?? '';
      return reservedMid;
    })
    .not.toBe('');
  await demo.deliver([{ kind: 'read', from: ANA, target: reservedMid }]);
  await expect(item(page, reserved).getByText('Read', { exact: true })).toBeVisible();

  await demo.deliver([
    { kind: 'story_mention', from: ANA, url: 'cdn:story-sunset.jpg' },
    { kind: 'story_reply', from: ANA, text: 'Is this dress in stock too?', story_url: 'cdn:story-unboxing.jpg' },
    { id: 'oops', kind: 'text', from: ANA, text: 'Sorry, wrong chat!' },
    { kind: 'delete', from: ANA, target: 'oops' },
  ]);
  await expect(item(page, 'Is this dress in stock too?')).toBeVisible();

  // Instagram refuses the next message: it shows Failed, with the reason.
  await demo.fault({ kind: 'send_error', code: 551, message: "This person isn't available right now." });
  const refused = 'The dress is back on Friday: shall I keep one for you?';
  await send(page, refused);
  await expect(item(page, refused).getByText('Failed', { exact: true })).toBeVisible();
  await demo.fault(null);
  const shipped = 'Your shirt is on its way: the tracking link follows by email.';
  await send(page, shipped);
  await expect(item(page, shipped).getByText('Sent', { exact: true })).toBeVisible();
  const anaUrl = page.url().replace(/#.*$/, '');

  // --- Two more conversations, and Emil waiting: the desk ----------------------------
  await accept(page, 'Ben Okafor');
  await accept(page, 'Chloé Martin');
  await demo.deliver([{ kind: 'text', from: EMIL, text: 'Hi! Can I still return the boots I bought last week?' }]);
  await page.goto('/desk');
  const offer = offerOf(page, 'Emil Larsen');
  await expect(offer).toBeVisible();
  const conversations = page.getByRole('navigation', { name: 'My conversations' });
  await expect(conversations.getByRole('link')).toHaveCount(3);
  await page.screenshot({ path: path.join(out, 'desk.png') });
  await page.getByRole('region', { name: 'Offers' }).screenshot({ path: path.join(out, 'offer-banner.png') });

  // --- The profile, its composer, and a phone ---------------------------------------
  await accept(page, 'Emil Larsen');
  await page.goto(anaUrl);
  await expect(item(page, shipped)).toBeVisible();
  // Tall enough for the whole story.
  await page.setViewportSize({ width: 1280, height: 1840 });
  await imagesLoaded(page);
  await page.screenshot({ path: path.join(out, 'profile.png') });
  await page.setViewportSize({ width: 1280, height: 800 });

  const composer = page.getByRole('form', { name: 'Reply to Ana Souza on Instagram' });
  const message = composer.getByRole('textbox', { name: 'Message' });
  expect([...LONG_630].length).toBe(630);
  expect([...LONG_640].length).toBe(640);
  await message.fill(LONG_630);
  await expect(composer.getByText('630 / 640')).toBeVisible();
  await composer.screenshot({ path: path.join(out, 'composer-630.png') });
  await message.fill(LONG_640);
  await expect(composer.getByText('640 / 640')).toBeVisible();
  await composer.screenshot({ path: path.join(out, 'composer-640.png') });
  await message.fill('');

  // On a phone the page scrolls as a whole: the newest items just above the composer.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(item(page, shipped)).toBeVisible();
  await imagesLoaded(page);
  await composer.evaluate((form) => form.scrollIntoView({ block: 'end' }));
  await expect(composer.getByRole('button', { name: 'Send' })).toBeInViewport();
  await page.screenshot({ path: path.join(out, 'profile-390.png') });
});

test('the dashboard, for the documentation', async ({ page, demo }) => {
  fs.mkdirSync(out, { recursive: true });
  await signIn(page, demo.admin);
  const me = await demo.api(demo.admin, 'GET', '/me');
  await demo.api(demo.admin, 'PATCH', `/agents/${me.id}`, { standard_capacity: 12, max_capacity: 14 });
  // A morning's backlog: customers who wrote over the last hours, most answered now.
  const backlog: [string, string, number][] = [
    ['Hanna Berg', 'Do you have the wool coat in navy?', 5 * 3600 + 600],
    ['Igor Petrov', 'My order number is 4411, where is it?', 4 * 3600 + 1200],
    ['Julia Costa', 'Can I change the delivery address?', 3 * 3600 + 300],
    ['Karim Haddad', 'Is there a student discount?', 2 * 3600 + 1500],
    ['Lena Vogel', 'The zip on my bag broke after a week', 2 * 3600],
    ['Mateo Ruiz', 'Do you ship to the Canary Islands?', 50 * 60],
    ['Nora Quinn', 'Which size for 1.70 m?', 35 * 60],
    ['Omar Aziz', 'Thank you, it arrived!', 20 * 60],
    ['Pia Lund', 'Can I pick it up in the shop?', 8 * 60],
  ];
  const customers = backlog.map(([name]) => demo.newCustomer(name));
  await demo.deliver(
    backlog.map(([, text, ago], i) => ({ kind: 'text', from: customers[i].igsid, text, ago_seconds: ago })),
    customers,
  );
  await demo.setAvailable(demo.admin);
  for (const [name] of backlog.slice(0, 7)) {
    await accept(page, name);
    await send(page, 'Thank you for waiting! Let me check that for you right away.');
  }
  // The operations lead is not taking work: no offers over the figures.
  await demo.setAvailable(demo.admin, false);
  await page.goto('/dashboard');
  await expect(page.getByRole('region', { name: /Time to first reply/ }).locator('.sub')).toContainText(/\b([7-9]|\d\d) answered/);
  await page.setViewportSize({ width: 1280, height: 1560 });
  await page.screenshot({ path: path.join(out, 'dashboard.png') });
  await page.getByRole('region', { name: /SLA met/ }).getByText('Show as table').click();
  await page.getByRole('region', { name: /SLA met/ }).screenshot({ path: path.join(out, 'dashboard-sla-table.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.screenshot({ path: path.join(out, 'dashboard-390.png'), fullPage: true });
});

test('Instagram accounts in Settings, for the documentation', async ({ page, demo }) => {
  fs.mkdirSync(out, { recursive: true });
  await signIn(page, demo.admin);
  await page.goto('/settings/accounts');
  await page.getByRole('button', { name: 'Add Instagram account' }).click();
  await page.screenshot({ path: path.join(out, 'meta-login-dialog.png') });
  await page.getByRole('button', { name: 'Continue as Demo Owner' }).click();
  await expect(page.getByRole('heading', { name: 'Connect Instagram accounts' })).toBeVisible();
  await page.screenshot({ path: path.join(out, 'settings-connect.png') });
  await page.getByRole('button', { name: 'Connect accounts' }).click();
  await expect(page.getByRole('row', { name: /igdesk Demo Outlet/ })).toBeVisible();
  // One account whose token Meta refused: the notice, and its row.
  const customer = demo.newCustomer('Rita Alves');
  await demo.dm(customer, 'Is the parcel on its way?');
  const id = await demo.customerId(customer);
  await demo.fault({ kind: 'invalid_token' });
  await demo.api(demo.admin, 'POST', `/customers/${id}/messages`, { text: 'It left this morning.' });
  await expect
    .poll(async () => (await demo.api(demo.admin, 'GET', '/accounts')).data.some((a: any) => a.needs_reconnect))
    .toBe(true);
  await demo.fault(null);
  await page.goto('/settings/accounts');
  await page.screenshot({ path: path.join(out, 'settings-accounts.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: path.join(out, 'settings-accounts-390.png'), fullPage: true });
});

test('Agents, Inboxes and API & webhooks in Settings, for the documentation', async ({ page, demo }) => {
  fs.mkdirSync(out, { recursive: true });
  await signIn(page, demo.admin);
  const shot = async (name: string) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const height = await page.evaluate(() => document.querySelector('main')!.scrollHeight + 60);
    await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
    await page.screenshot({ path: path.join(out, `settings-${name}.png`) });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(out, `settings-${name}-390.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  // Agents: one switched off; one just added, their one-time password shown once.
  const agents = (await demo.api(demo.admin, 'GET', '/agents')).data as any[];
  const former = await demo.api(demo.admin, 'POST', '/agents', {
    email: 'tom@shop.example',
    name: 'Tom Berger',
    password: 'a password of his',
    inboxes: [agents[0].inboxes[0].id],
  });
  await demo.api(demo.admin, 'POST', `/agents/${former.id}/deactivate`);
  await page.goto('/settings/agents');
  const add = page.getByRole('form', { name: 'Add agent' });
  await add.getByLabel('Name').fill('Lia Moreau');
  await add.getByLabel('Email').fill('lia@shop.example');
  await add.getByLabel('VIP').check();
  await add.getByRole('button', { name: 'Add agent' }).click();
  await expect(page.getByRole('textbox', { name: /One-time password/ })).toBeVisible();
  await shot('agents');

  // Inboxes: a target refused beside its field.
  await page.goto('/settings/inboxes');
  await page.getByRole('form', { name: /^VIP/ }).getByLabel('SLA target (minutes)').fill('15');
  await page.getByRole('form', { name: /^VIP/ }).getByLabel('Require a Topic before replying').check();
  await page.getByRole('button', { name: 'Save VIP' }).click();
  await page.getByRole('form', { name: /^Instagram/ }).getByLabel('Auto-end after (hours)').fill('0');
  await page.getByRole('button', { name: 'Save Instagram' }).click();
  await expect(page.locator('[aria-invalid="true"]')).toHaveCount(1);
  await shot('inboxes');

  // API & webhooks: on, a receiver that is down (its failures listed), a product token.
  const shop = ((await demo.api(demo.admin, 'GET', '/accounts')).data as any[]).find((a) => a.ig_id === demo.igId);
  await page.goto(`/settings/api/${shop.id}`);
  await page.getByLabel('Inbound URL').fill('http://127.0.0.1:9/instagram/inbound');
  await page.getByLabel('Status URL').fill('http://127.0.0.1:9/instagram/status');
  await page.getByRole('button', { name: 'Turn on the API' }).click();
  await expect(page.getByRole('textbox', { name: /Signing secret/ })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Order bot');
  await page.getByRole('button', { name: 'Create product token' }).click();
  await expect(page.getByRole('textbox', { name: /Product token/ })).toBeVisible();
  await demo.dm(demo.newCustomer('Ana Lima'), 'Hi! Is my order on its way?');
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByRole('region', { name: 'The last failed webhooks' }).count();
    }, { timeout: 20_000 })
    .toBe(1);
  await shot('api');
  await page.goto('/settings/api');
  await shot('api-overview');
});

test('saved answers in Settings and in the composer, for the documentation', async ({ page, demo }) => {
  fs.mkdirSync(out, { recursive: true });
  await signIn(page, demo.admin);
  // The demo's three, one more for the VIP inbox, and some use.
  const inboxes = (await demo.api(demo.admin, 'GET', '/inboxes')).data as any[];
  await demo.api(demo.admin, 'POST', '/answers', {
    title: 'Personal shopper',
    text: 'Hi {first_name}, I am {agent_name}, your personal shopper at {business_name}. When would you like a video call?',
    inbox_id: inboxes.find((i) => i.name === 'VIP').id,
  });
  const answers = (await demo.api(demo.admin, 'GET', '/answers')).data as any[];
  for (const [title, uses] of [['Shipping times', 14], ['Returns', 6], ['Opening hours', 3]] as const) {
    const id = answers.find((a) => a.title === title).id;
    for (let i = 0; i < uses; i += 1) await demo.api(demo.admin, 'POST', `/answers/${id}/uses`);
  }
  await page.goto('/settings/answers');
  const height = await page.evaluate(() => document.querySelector('main')!.scrollHeight + 60);
  await page.setViewportSize({ width: 1280, height: Math.max(800, height) });
  await page.screenshot({ path: path.join(out, 'saved-answers-settings-1280.png') });

  await page.setViewportSize({ width: 1280, height: 800 });
  await demo.setAvailable(demo.admin);
  await accept(page, 'Ana Souza');
  const message = page.getByRole('textbox', { name: 'Message' });
  await message.pressSequentially('/');
  const list = page.getByRole('listbox', { name: 'Saved answers' });
  await expect(list.getByRole('option')).toHaveCount(3);
  await message.press('ArrowDown');
  await imagesLoaded(page);
  await page.screenshot({ path: path.join(out, 'saved-answers-picker-1280.png') });

  await message.fill('');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  const composer = page.getByRole('form', { name: 'Reply to Ana Souza on Instagram' });
  await composer.evaluate((form) => form.scrollIntoView({ block: 'end' }));
  await page.getByRole('textbox', { name: 'Message' }).focus();
  await page.getByRole('textbox', { name: 'Message' }).pressSequentially('/ship');
  await expect(list.getByRole('option')).toHaveCount(1);
  await imagesLoaded(page);
  await page.screenshot({ path: path.join(out, 'saved-answers-picker-390.png') });
});
