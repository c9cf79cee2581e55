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
  { name: 'snapshots', path: '/findings?tab=snapshots', heading: /Drift and oversells/ },
  { name: 'dead-letters', path: '/dead-letters', heading: /Dead letters/ },
  { name: 'rules', path: '/rules', heading: /^Rules$/ },
  { name: 'holdbacks', path: '/holdbacks', heading: /Holdbacks/ },
  { name: 'audit', path: '/audit', heading: /Audit log/ },
  { name: 'settings', path: '/settings', heading: /^Settings$/ },
  { name: 'settings-channels', path: '/settings/channels', heading: /^Channels$/ },
  { name: 'settings-api-keys', path: '/settings/api-keys', heading: /API keys and signing secrets/ },
  { name: 'settings-users', path: '/settings/users', heading: /Users and roles/ },
  { name: 'settings-catalog', path: '/settings/catalog', heading: /^Catalog$/ },
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

test('every list exports its filtered rows as CSV', async ({ page }) => {
  await signIn(page, 'admin@example.com')
  const exports: Array<[string, string]> = [
    ['/api/ui/audit/export?entity=rule_set', 'at,actor,actorKind,action,entity,entityId,before,after,ref'],
    ['/api/ui/dead-letters/export?status=open', 'id,kind,code,reason,sku,channel,source,status,attempts,riskScore,firstSeenAt,lastSeenAt'],
    ['/api/ui/findings/export?status=open', 'id,kind,status,sku,channel,location,cause,field,expected,actual,variance,detectedAt,updatedAt,resolvedAt,details'],
    ['/api/ui/oversells/export?window=30d', 'id,kind,channel,sku,orderId,lineId,orderedUnits,oversoldUnits,revenueAtRiskCents,cause,occurredAt,detectedAt,details'],
  ]
  for (const [url, header] of exports) {
    const res = await page.request.get(url)
    expect(res.status(), url).toBe(200)
    expect(res.headers()['content-type']).toContain('text/csv')
    expect(res.headers()['content-disposition']).toMatch(/attachment; filename="stocktower-.+\.csv"/)
    expect((await res.text()).split('\n')[0]).toBe(header)
  }
  await page.goto('/dead-letters')
  await expect(page.getByTestId('dead-letters-export')).toHaveAttribute('href', /\/api\/ui\/dead-letters\/export\?status=open/)
})
