// Shared by the persona specs: the demo API key and signing in as a demo user.
import { expect, type Browser, type Page } from '@playwright/test'

export const key = process.env.STOCKTOWER_DEMO_API_KEY ?? ''
export const auth = { Authorization: `Bearer ${key}` }
export const DEMO_PASSWORD = 'stocktower-demo'

export async function signIn(page: Page, email: string): Promise<void> {
  // A page still open on the app (cookies just cleared) may be redirecting itself to /login as
  // its session ends; leave it first, or that navigation aborts ours (net::ERR_ABORTED).
  await page.goto('about:blank')
  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(DEMO_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('signed-in-as')).toHaveText(email)
}

/** A separate browser context per user, so two people can act in one test. */
export async function signedIn(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await signIn(page, email)
  return page
}
