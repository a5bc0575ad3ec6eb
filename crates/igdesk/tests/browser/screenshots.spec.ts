// Screenshots for the documentation (docs/screenshots/*.png), taken only with
// SCREENSHOTS=1: the sign-in page, the desk with offers, a customer's profile.
import { test, expect, signIn, offerOf } from './harness';
import path from 'node:path';

const out = path.resolve(__dirname, '../../../../docs/screenshots');

test.describe('screenshots', () => {
  test.skip(!process.env.SCREENSHOTS, 'SCREENSHOTS=1 takes them');
  test.use({ demoOptions: { scenario: true }, viewport: { width: 1280, height: 800 } });

  test('sign-in, desk, profile', async ({ page, demo }) => {
    await page.goto('/');
    await page.screenshot({ path: path.join(out, 'sign-in.png') });

    await signIn(page, demo.admin);
    await demo.setAvailable(demo.admin);
    await expect(offerOf(page, 'Ana Souza')).toBeVisible();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(out, 'desk-offer.png') });

    await offerOf(page, 'Ana Souza').getByRole('button', { name: 'Accept' }).click();
    await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
    await page.getByRole('textbox', { name: 'Message' }).fill('Hi Ana! Yes — the linen shirt in M is in stock. Shall I reserve it for you?');
    await page.evaluate(() => Promise.all(Array.from(document.images, (img) => img.decode().catch(() => {}))));
    await page.screenshot({ path: path.join(out, 'profile.png') });
  });
});
