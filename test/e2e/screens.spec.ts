// Every screen opens on the demo for the admin (who may see all of them) with its heading, data
// and no error; a full-page screenshot of each lands in test-results/screens/ to be looked at.
import { expect, test } from '@playwright/test'
import { signIn } from './session'

const SCREENS: Array<{ name: string; path: string; heading: RegExp; ready?: string }> = [
  { name: 'dashboard', path: '/', heading: /Sync overview/, ready: 'channel-amazon' },
  { name: 'skus', path: '/skus', heading: /^SKUs$/ },
  { name: 'sku-detail', path: '/skus/SKU-00042', heading: /SKU-00042/ },
  { name: 'kpis', path: '/kpis', heading: /KPIs and SLOs/ },
  { name: 'channels', path: '/channels', heading: /^Channels$/, ready: 'channel-row-amazon' },
  { name: 'channel-amazon', path: '/channels/amazon', heading: /Amazon/, ready: 'ops-in-sync' },
  { name: 'findings', path: '/findings', heading: /Drift and oversells/ },
  { name: 'oversells', path: '/findings?tab=oversells', heading: /Drift and oversells/ },
  { name: 'dead-letters', path: '/dead-letters', heading: /Dead letters/ },
  { name: 'rules', path: '/rules', heading: /^Rules$/ },
  { name: 'holdbacks', path: '/holdbacks', heading: /Holdbacks/ },
  { name: 'audit', path: '/audit', heading: /Audit log/ },
]

test('every screen renders for the admin, with a screenshot', async ({ page }) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 1440, height: 900 })
  await signIn(page, 'admin@example.com')
  for (const s of SCREENS) {
    await page.goto(s.path)
    await expect(page.getByRole('heading', { level: 1 }).first(), s.name).toHaveText(s.heading)
    if (s.ready) await expect(page.getByTestId(s.ready).first()).toBeVisible()
    await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0)
    await expect(page.locator('.error-box'), `${s.name} shows no error`).toHaveCount(0)
    await page.screenshot({ path: `test-results/screens/${s.name}.png`, fullPage: true })
  }
})
