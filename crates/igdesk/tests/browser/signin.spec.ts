// Signing in and out (the sign-in page at `/`).
import { test, expect, signIn } from './harness';

test('a wrong password is refused with an alert', async ({ page, demo }) => {
  await page.goto('/');
  await page.getByLabel('Email').fill(demo.admin.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
  await expect(page).not.toHaveURL(/\/desk$/);
  await expect(page.getByLabel('Password')).toBeVisible();
});

test('signing in lands on the desk and signing out returns to the sign-in page', async ({ page, demo }) => {
  await signIn(page, demo.admin);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email')).toBeVisible();
  // Signed out for real: the desk sends the browser back to sign in.
  await page.goto('/desk');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('the desk needs a signed-in agent', async ({ page }) => {
  await page.goto('/desk');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('an email longer than 254 characters is named beside the field', async ({ page }) => {
  await page.goto('/');
  const email = page.getByLabel('Email');
  await expect(email).toHaveAttribute('maxlength', '254');
  await email.evaluate((input) => input.removeAttribute('maxlength'));
  await email.fill(`${'a'.repeat(250)}@example.com`);
  await page.getByLabel('Password').fill('a password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const email2 = page.getByLabel('Email');
  await expect(email2).toHaveAccessibleDescription('An email address has at most 254 characters.');
  await expect(email2).toHaveAttribute('aria-invalid', 'true');
  await expect(email2).toBeFocused();
  await expect(email2).toHaveValue('');
});
