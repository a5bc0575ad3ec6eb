// Settings (UI-4): each section changed by an administrator through its page, the
// change seen through the JSON API and taking effect at once; refused forms keep what
// was typed and name the field; secrets shown once; an agent sees only My tokens.
import { test, expect, signIn, offerOf, type Login } from './harness';
import type { Browser, Page } from '@playwright/test';

/** The section's notice after a saved form (POST → 303 → GET). */
function notice(page: Page) {
  return page.locator('.settings-section').getByRole('status');
}

async function accountsOf(demo: { api: (l: Login, m: string, p: string) => Promise<any>; admin: Login }) {
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data as any[];
  const inboxes = (await demo.api(demo.admin, 'GET', '/inboxes')).data as any[];
  return { accounts, inboxes };
}

/** Signs `email` in with `password` in a browser of its own; answers the page. */
async function signInElsewhere(browser: Browser, url: string, email: string, password: string) {
  const context = await browser.newContext({ baseURL: url });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { context, page };
}

test('an entry point moved to another inbox sends its new conversations there', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const { accounts, inboxes } = await accountsOf(demo);
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  const vip = inboxes.find((i) => i.name === 'VIP');
  await page.goto('/settings/entry-points');
  await expect(page.getByRole('heading', { level: 2, name: 'Entry points' })).toBeVisible();
  const select = page.getByLabel(`Inbox for @${shop.username}`);
  await expect(select).toHaveValue('default');
  await expect(select.locator('option').first()).toHaveText('Default inbox (Instagram)');
  await select.selectOption({ label: 'VIP' });
  await page.getByRole('button', { name: `Save the inbox of @${shop.username}` }).click();
  await expect(page).toHaveURL(/\/settings\/entry-points$/);
  await expect(notice(page)).toContainText(`new conversations from @${shop.username} go to VIP`);
  await expect(select).toHaveValue(String(vip.id));
  expect((await accountsOf(demo)).accounts.find((a) => a.id === shop.id).inbox_id).toBe(vip.id);

  // Takes effect: the shop's next new customer is agent2's (VIP), not the admin's.
  const customer = demo.newCustomer('Wanda Nowak');
  await demo.dm(customer, 'Where is my parcel?');
  await expect
    .poll(async () => {
      const list = await demo.api(demo.agent2, 'GET', '/conversations');
      return (list.data as any[]).some((c) => JSON.stringify(c).includes('Wanda Nowak'));
    })
    .toBe(true);

  // Back to the default inbox.
  await select.selectOption({ label: 'Default inbox (Instagram)' });
  await page.getByRole('button', { name: `Save the inbox of @${shop.username}` }).click();
  await expect(notice(page)).toContainText('the default inbox (Instagram)');
  const instagram = inboxes.find((i) => i.is_default);
  expect((await accountsOf(demo)).accounts.find((a) => a.id === shop.id).inbox_id).toBe(instagram.id);
});

test('conversation settings are saved per account', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const { accounts } = await accountsOf(demo);
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  await page.goto('/settings/conversations');
  const form = page.getByRole('form', { name: new RegExp(`@${shop.username.replace(/\./g, '\\.')}`) });
  const echo = form.getByLabel('Instagram messages between the app and igdesk (Echo)');
  const mentions = form.getByLabel('Convert Story @mentions to Conversations');
  const comments = form.getByLabel('Convert comments to Conversations');
  await expect(echo).toBeChecked();
  await expect(comments).toBeChecked();
  await echo.uncheck();
  await comments.uncheck();
  await mentions.check();
  await form.getByRole('button', { name: /^Save/ }).click();
  await expect(notice(page)).toContainText('echo off, Story @mentions on, comments off');
  const saved = (await accountsOf(demo)).accounts.find((a) => a.id === shop.id).settings;
  expect(saved).toEqual({ echo: false, story_mentions_create_conversations: true, comments_create_conversations: false });
  await page.reload();
  await expect(echo).not.toBeChecked();
  await expect(comments).not.toBeChecked();
  await expect(mentions).toBeChecked();
  // The other account kept its own.
  const vip = (await accountsOf(demo)).accounts.find((a) => a.id !== shop.id).settings;
  expect(vip.comments_create_conversations).toBe(true);
});

test('inboxes are created and their SLA target, auto-end and topic rule take effect', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/inboxes');
  await page.getByLabel('Name').fill('Returns');
  await page.getByRole('button', { name: 'Create inbox' }).click();
  await expect(notice(page)).toContainText('Inbox Returns created');
  const inboxes = (await demo.api(demo.admin, 'GET', '/inboxes')).data as any[];
  expect(inboxes.map((i) => i.name)).toContain('Returns');

  const instagram = inboxes.find((i) => i.is_default);
  const card = page.getByRole('form', { name: /^Instagram/ });
  // Refused: the value is kept, the field named and described by the reason.
  await card.getByLabel('SLA target (minutes)').fill('0');
  await card.getByLabel('Auto-end after (hours)').fill('2');
  await card.getByRole('button', { name: 'Save Instagram' }).click();
  const sla = page.getByRole('form', { name: /^Instagram/ }).getByLabel('SLA target (minutes)');
  await expect(sla).toHaveValue('0');
  await expect(sla).toHaveAttribute('aria-invalid', 'true');
  await expect(sla).toHaveAccessibleDescription(/Enter more than 0 minutes/);
  await expect(page.getByRole('form', { name: /^Instagram/ }).getByLabel('Auto-end after (hours)')).toHaveValue('2');
  const refused = await page.request.get('/settings/inboxes');
  expect(refused.status()).toBe(200);

  await sla.fill('5');
  await card.getByLabel('Require a Topic before replying').check();
  await card.getByRole('button', { name: 'Save Instagram' }).click();
  await expect(notice(page)).toContainText('Saved Instagram: SLA target 5 minutes, quiet Conversations end after 2 hours');
  const after = ((await demo.api(demo.admin, 'GET', '/inboxes')).data as any[]).find((i) => i.id === instagram.id);
  expect([after.sla_target_seconds, after.auto_end_seconds, after.requires_topic]).toEqual([300, 7200, true]);
  // The dashboard judges waits by the new target at once.
  const figures = await demo.api(demo.admin, 'GET', `/dashboard?inbox=${instagram.id}`);
  expect(figures.inboxes.find((i: any) => i.id === instagram.id).sla_target_seconds).toBe(300);
});

test('a refused inbox form answers 400 and names the field', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/inboxes');
  const card = page.getByRole('form', { name: /^VIP/ });
  await card.getByLabel('Auto-end after (hours)').fill('soon');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    card.getByRole('button', { name: 'Save VIP' }).click(),
  ]);
  expect(response.status()).toBe(400);
  const field = page.getByRole('form', { name: /^VIP/ }).getByLabel('Auto-end after (hours)');
  await expect(field).toHaveValue('soon');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveAccessibleDescription(/as a number/);
});

test('a topic created is offered on a conversation; a second of the same name is refused', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/topics');
  await page.getByLabel('Name').fill('Sizing');
  await page.getByRole('button', { name: 'Add topic' }).click();
  await expect(notice(page)).toContainText('Topic Sizing added');
  await expect(page.getByRole('row', { name: /Sizing/ })).toBeVisible();
  expect(((await demo.api(demo.admin, 'GET', '/topics')).data as any[]).map((t) => t.name)).toContain('Sizing');

  await page.getByLabel('Name').fill('sizing');
  await page.getByRole('button', { name: 'Add topic' }).click();
  const name = page.getByLabel('Name');
  await expect(name).toHaveValue('sizing');
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription(/already a topic named sizing/);

  // Offered in a conversation's topics at once.
  await demo.setAvailable(demo.admin);
  await demo.dm(demo.newCustomer('Xavier Lund'), 'Which size for 1.80 m?');
  await offerOf(page, 'Which size for 1.80 m?').getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  await expect(page.getByLabel('Topics of this conversation').getByRole('option', { name: 'Sizing' })).toHaveCount(1);
});

test('an agent added with a one-time password signs in with it; edits, a reset and deactivation take effect', async ({
  page,
  demo,
  browser,
}) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/agents');
  const add = page.getByRole('form', { name: 'Add agent' });
  await add.getByLabel('Name').fill('Lia Moreau');
  await add.getByLabel('Email').fill('lia@shop.example');
  await add.getByLabel('Instagram').uncheck();
  await add.getByLabel('VIP').check();
  await add.getByLabel('Standard capacity').fill('2');
  await add.getByLabel('Maximum capacity').fill('4');
  await add.getByRole('button', { name: 'Add agent' }).click();
  await expect(notice(page)).toContainText('Lia Moreau was added');
  const secret = page.getByLabel('One-time password for Lia Moreau (lia@shop.example)');
  await expect(secret).toBeFocused();
  const password = await secret.inputValue();
  expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
  // Shown once.
  await page.reload();
  await expect(page.getByLabel(/One-time password/)).toHaveCount(0);

  const agents = (await demo.api(demo.admin, 'GET', '/agents')).data as any[];
  const lia = agents.find((a) => a.email === 'lia@shop.example');
  expect([lia.name, lia.is_admin, lia.inboxes.map((i: any) => i.name), lia.standard_capacity, lia.max_capacity]).toEqual([
    'Lia Moreau',
    false,
    ['VIP'],
    2,
    4,
  ]);
  const first = await signInElsewhere(browser, demo.url, 'lia@shop.example', password);
  await expect(first.page).toHaveURL(/\/desk$/);

  // Refused edit: standard above maximum, the values kept, the field named.
  await page.getByRole('link', { name: 'Edit Lia Moreau' }).click();
  await page.getByLabel('Standard capacity').fill('6');
  await page.getByLabel('Maximum capacity').fill('4');
  await page.getByRole('button', { name: 'Save changes' }).click();
  const standard = page.getByLabel('Standard capacity');
  await expect(standard).toHaveValue('6');
  await expect(standard).toHaveAttribute('aria-invalid', 'true');
  await expect(standard).toHaveAccessibleDescription(/from 0 to the maximum/);
  await page.getByLabel('Maximum capacity').fill('8');
  await page.getByRole('textbox', { name: 'Name' }).fill('Lia M.');
  await page.getByLabel('Administrator').check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(notice(page)).toContainText('Saved Lia M.: administrator, in VIP, capacity 6 standard and 8 maximum');
  const edited = await demo.api(demo.admin, 'GET', `/agents/${lia.id}`);
  expect([edited.name, edited.is_admin, edited.standard_capacity, edited.max_capacity]).toEqual(['Lia M.', true, 6, 8]);

  // A reset: a new password, shown once; the old one no longer works.
  await page.getByText('Reset password…').click();
  await page.getByRole('button', { name: 'Reset the password of Lia M.' }).click();
  const renewed = await page.getByLabel('New password for Lia M. (lia@shop.example)').inputValue();
  expect(renewed).not.toBe(password);
  const old = await signInElsewhere(browser, demo.url, 'lia@shop.example', password);
  await expect(old.page.getByRole('alert')).toContainText('Wrong email or password');
  const again = await signInElsewhere(browser, demo.url, 'lia@shop.example', renewed);
  await expect(again.page).toHaveURL(/\/desk$/);

  // Deactivated: cannot sign in; reactivated: can.
  await page.getByText('Deactivate…').click();
  await page.getByRole('button', { name: 'Deactivate Lia M.' }).click();
  await expect(notice(page)).toContainText('Lia M. is deactivated');
  expect((await demo.api(demo.admin, 'GET', `/agents/${lia.id}`)).active).toBe(false);
  const off = await signInElsewhere(browser, demo.url, 'lia@shop.example', renewed);
  await expect(off.page.getByRole('alert')).toBeVisible();
  await expect(off.page).not.toHaveURL(/\/desk$/);
  await page.getByRole('button', { name: 'Reactivate Lia M.' }).click();
  await expect(notice(page)).toContainText('Lia M. is active again');
  expect((await demo.api(demo.admin, 'GET', `/agents/${lia.id}`)).active).toBe(true);
  for (const c of [first, old, again, off]) await c.context.close();
});

test('a refused new agent keeps what was typed and names the field', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.goto('/settings/agents');
  const add = page.getByRole('form', { name: 'Add agent' });
  await add.getByLabel('Name').fill('Second Vera');
  await add.getByLabel('Email').fill(demo.agent2.email.toUpperCase());
  await add.getByLabel('VIP').check();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    add.getByRole('button', { name: 'Add agent' }).click(),
  ]);
  expect(response.status()).toBe(400);
  const email = page.getByRole('form', { name: 'Add agent' }).getByLabel('Email');
  await expect(email).toHaveValue(demo.agent2.email.toUpperCase());
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveAccessibleDescription(/already an agent with this email/);
  await expect(page.getByRole('form', { name: 'Add agent' }).getByLabel('Name')).toHaveValue('Second Vera');
  await expect(page.getByRole('form', { name: 'Add agent' }).getByLabel('VIP')).toBeChecked();
});

test('the API turned on shows its secret once, keeps its URLs, and takes a product token', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const { accounts } = await accountsOf(demo);
  const shop = accounts.find((a) => a.ig_id === demo.igId);
  await page.goto('/settings/api');
  await page.getByRole('link', { name: `Set up the API of @${shop.username}` }).click();
  await expect(page).toHaveURL(new RegExp(`/settings/api/${shop.id}$`));

  // Refused: a URL that is not http(s).
  await page.getByLabel('Inbound URL').fill('ftp://bot.example/in');
  await page.getByRole('button', { name: 'Turn on the API' }).click();
  const inbound = page.getByLabel('Inbound URL');
  await expect(inbound).toHaveValue('ftp://bot.example/in');
  await expect(inbound).toHaveAttribute('aria-invalid', 'true');
  await expect(inbound).toHaveAccessibleDescription(/starts with https:\/\//);
  await expect(page.getByRole('button', { name: 'Turn on the API' })).toBeVisible();

  await inbound.fill('https://bot.example/in');
  await page.getByLabel('Status URL').fill('https://bot.example/status');
  await page.getByLabel('When a customer asks for a person').selectOption('instagram_inbox');
  await page.getByLabel('Retry inbound messages (hours)').fill('48');
  await page.getByRole('button', { name: 'Turn on the API' }).click();
  await expect(notice(page)).toContainText(`The Business Messaging API is on for @${shop.username}`);
  const secret = await page.getByLabel(`Signing secret for @${shop.username}`).inputValue();
  expect(secret).toMatch(/^whsec_/);
  const settings = await demo.api(demo.admin, 'GET', `/accounts/${shop.id}/api`);
  expect([settings.inbound_url, settings.status_url, settings.handover, settings.inbound_retry_hours, settings.status_retry_hours]).toEqual([
    'https://bot.example/in',
    'https://bot.example/status',
    'instagram_inbox',
    48,
    168,
  ]);
  expect(settings.signing_secret).toBeUndefined();
  await page.reload();
  await expect(page.getByLabel(/Signing secret for/)).toHaveCount(0);
  await expect(page.getByLabel('Inbound URL')).toHaveValue('https://bot.example/in');

  // Rotating makes another, shown once.
  await page.getByText('Rotate signing secret…').click();
  await page.getByRole('button', { name: `Rotate the signing secret of @${shop.username}` }).click();
  const rotated = await page.getByLabel(`New signing secret for @${shop.username}`).inputValue();
  expect(rotated).toMatch(/^whsec_/);
  expect(rotated).not.toBe(secret);

  // A product token, shown once, accepted at /v1.0/message; revoked, refused.
  await page.getByLabel('Name', { exact: true }).fill('Order bot');
  await page.getByRole('button', { name: 'Create product token' }).click();
  const token = await page.getByLabel(`Product token “Order bot” for @${shop.username}`).inputValue();
  const customer = demo.newCustomer('Yara Stone');
  await demo.dm(customer, 'Hello bot');
  await demo.customerId(customer);
  const send = () =>
    fetch(`${demo.url}/v1.0/message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CM-PRODUCTTOKEN': token },
      body: JSON.stringify({
        messages: {
          msg: [{ from: demo.igId, to: [{ number: customer.igsid }], body: { type: 'auto', content: 'Hi from the bot' }, allowedChannels: ['Instagram'] }],
        },
      }),
    });
  const accepted = await send();
  const answer = await accepted.json();
  expect(accepted.status, JSON.stringify(answer)).toBe(200);
  expect(answer.messages[0].status).toBe('Accepted');
  await expect(page.getByRole('row', { name: /Order bot/ })).toContainText('Active');
  await page.getByText('Revoke…').click();
  await page.getByRole('button', { name: 'Revoke Order bot' }).click();
  await expect(notice(page)).toContainText('is revoked');
  const refused = await send();
  expect(refused.status).toBeGreaterThanOrEqual(400);

  // Off again.
  await page.getByText(`Turn off the API for @${shop.username}…`).click();
  await page.getByRole('button', { name: `Turn off the API for @${shop.username}` }).click();
  await expect(notice(page)).toContainText(`is off for @${shop.username}`);
  await expect(page.getByRole('button', { name: 'Turn on the API' })).toBeVisible();
});

test('an agent sees only My tokens: makes, uses and revokes a token and changes their password', async ({
  page,
  demo,
  browser,
}) => {
  await signIn(page, demo.agent2);
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await expect(nav.getByRole('link')).toHaveText(['My tokens']);
  for (const admin of ['/settings/accounts', '/settings/entry-points', '/settings/conversations', '/settings/agents', '/settings/inboxes', '/settings/topics', '/settings/api']) {
    const response = await page.request.get(admin);
    expect(response.status(), admin).toBe(403);
  }

  await page.getByLabel('Label').fill('Reporting script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('Token “Reporting script”').inputValue();
  const me = await fetch(`${demo.url}/api/v1/session`, { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status).toBe(200);
  expect((await me.json()).email).toBe(demo.agent2.email);
  await page.reload();
  await expect(page.getByLabel(/Token “/)).toHaveCount(0);
  await page.getByRole('row', { name: /Reporting script/ }).getByText('Revoke…').click();
  await page.getByRole('button', { name: 'Revoke Reporting script' }).click();
  await expect(notice(page)).toContainText('is revoked');
  const refused = await fetch(`${demo.url}/api/v1/session`, { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status).toBe(401);

  // A wrong current password is named; the new one then works.
  const password = page.getByRole('form', { name: 'Change password' });
  await password.getByLabel('Current password').fill('not-my-password');
  await password.getByLabel('New password', { exact: true }).fill('a longer passphrase');
  await password.getByLabel('Repeat new password').fill('a longer passphrase');
  await password.getByRole('button', { name: 'Change password' }).click();
  const current = page.getByLabel('Current password');
  await expect(current).toHaveAttribute('aria-invalid', 'true');
  await expect(current).toHaveAccessibleDescription('That is not your current password.');
  await page.getByLabel('Current password').fill(demo.agent2.password);
  await page.getByLabel('New password', { exact: true }).fill('a longer passphrase');
  await page.getByLabel('Repeat new password').fill('a longer passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(notice(page)).toContainText('Your password was changed');
  // This session stays.
  await page.reload();
  await expect(page).toHaveURL(/\/settings\/tokens$/);
  const elsewhere = await signInElsewhere(browser, demo.url, demo.agent2.email, 'a longer passphrase');
  await expect(elsewhere.page).toHaveURL(/\/desk$/);
  await elsewhere.context.close();
});

test('at 390 px wide no settings section overflows sideways, and the keyboard reaches every form', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await page.setViewportSize({ width: 390, height: 844 });
  const accounts = (await demo.api(demo.admin, 'GET', '/accounts')).data as any[];
  const agents = (await demo.api(demo.admin, 'GET', '/agents')).data as any[];
  const sections = [
    '/settings/entry-points',
    '/settings/conversations',
    '/settings/agents',
    `/settings/agents/${agents[1].id}`,
    '/settings/inboxes',
    '/settings/topics',
    '/settings/answers',
    '/settings/api',
    `/settings/api/${accounts[0].id}`,
    '/settings/tokens',
  ];
  for (const section of sections) {
    await page.goto(section);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect({ section, width }).toEqual({ section, width: 390 });
  }
  // By keyboard alone: a new topic, typed and saved with Enter.
  await page.goto('/settings/topics');
  await page.getByLabel('Name').focus();
  await page.keyboard.type('Returns');
  await page.keyboard.press('Enter');
  await expect(notice(page)).toContainText('Topic Returns added');
  // Tab from the name reaches its button.
  await page.getByLabel('Name').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Add topic' })).toBeFocused();
});
