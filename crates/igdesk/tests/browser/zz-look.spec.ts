import { test, expect, signIn } from './harness';

test('look', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  const shots: [string, string][] = [
    ['entry', '/settings/entry-points'],
    ['conv', '/settings/conversations'],
    ['agents', '/settings/agents'],
    ['inboxes', '/settings/inboxes'],
    ['topics', '/settings/topics'],
    ['api', '/settings/api'],
    ['tokens', '/settings/tokens'],
  ];
  for (const w of [1280, 390]) {
    await page.setViewportSize({ width: w, height: 2300 });
    for (const [name, url] of shots) {
      const r = await page.goto(url);
      expect(r?.status()).toBe(200);
      await page.screenshot({ path: `/tmp/look-${name}-${w}.png`, fullPage: true });
    }
    const accounts = await demo.api(demo.admin, 'GET', '/accounts');
    await page.goto(`/settings/api/${accounts.data[0].id}`);
    await page.getByRole('button', { name: 'Turn on the API' }).click();
    await page.screenshot({ path: `/tmp/look-apion-${w}.png`, fullPage: true });
    const me = await demo.api(demo.admin, 'GET', '/agents');
    await page.goto(`/settings/agents/${me.data[1].id}`);
    await page.screenshot({ path: `/tmp/look-agent-${w}.png`, fullPage: true });
    await page.goto(`/settings/api/${accounts.data[0].id}/off`).catch(() => {});
    await demo.api(demo.admin, 'DELETE', `/accounts/${accounts.data[0].id}/api`);
  }
});
