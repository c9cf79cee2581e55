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

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1280, height: 720 },
  { width: 390, height: 844 },
]

test('every screen renders for the admin at three sizes, with no console error or hydration mismatch, with screenshots', async ({
  page,
}) => {
  test.setTimeout(420_000)
  // Any console error (React's hydration mismatch #418 included) or uncaught exception fails the test.
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`))
  await signIn(page, 'admin@example.com')
  // An oversell incident's page, when the demo has one (the executive spec makes one).
  const incidents = (await (await page.request.get('/api/ui/oversells?window=30d&limit=1')).json()) as {
    items: Array<{ id: string; orderId: string }>
  }
  const screens = [
    ...SCREENS,
    ...(incidents.items[0]
      ? [
          {
            name: 'oversell-incident',
            path: `/findings/oversells/${incidents.items[0].id}`,
            heading: /^Order .+ line .+ on /,
          },
        ]
      : []),
  ]
  for (const v of VIEWPORTS) {
    await page.setViewportSize(v)
    for (const s of screens) {
      await page.goto(s.path)
      await expect(page.getByRole('heading', { level: 1 }).first(), s.name).toHaveText(s.heading)
      if (s.ready) await expect(page.getByTestId(s.ready).first()).toBeVisible()
      await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0)
      await expect(page.locator('.error-box'), `${s.name} shows no error`).toHaveCount(0)
      await page.screenshot({ path: `test-results/screens/${s.name}-${v.width}x${v.height}.png`, fullPage: true })
    }
  }
  expect(problems).toEqual([])
  // A favicon, not a 404.
  const icon = await page.request.get('/favicon.ico')
  expect(icon.status()).toBe(200)
})

test('every list exports its filtered rows as CSV', async ({ page }) => {
  await signIn(page, 'admin@example.com')
  const exports: Array<[string, string]> = [
    ['/api/ui/audit/export?entity=rule_set', 'at,actor,actorKind,action,entity,entityId,before,after,ref'],
    [
      '/api/ui/dead-letters/export?status=open',
      'id,kind,code,reason,sku,channel,source,status,attempts,riskScore,firstSeenAt,lastSeenAt',
    ],
    [
      '/api/ui/findings/export?status=open',
      'id,kind,status,sku,channel,location,cause,field,expected,actual,variance,detectedAt,updatedAt,resolvedAt,details',
    ],
    [
      '/api/ui/oversells/export?window=30d',
      'id,kind,channel,sku,orderId,lineId,orderedUnits,oversoldUnits,revenueAtRiskCents,cause,occurredAt,detectedAt,details',
    ],
    [
      '/api/ui/skus/export?kind=item',
      'sku,name,category,kit,onHand,sellable,amazon_decided,amazon_shows,amazon_state,b2b_decided,b2b_shows,b2b_state,shopify_decided,shopify_shows,shopify_state,walmart_decided,walmart_shows,walmart_state',
    ],
    [
      '/api/ui/channels/export',
      'channel,name,kind,mode,status,breaker,health,summary,listings,inSync,waiting,pastSlo,failing,oldestWaitingSeconds,lagSamples15m,lagP50Seconds,lagP95Seconds,sloLagP95Seconds,sloStaleAfterSeconds,deadLettersOpen',
    ],
    [
      '/api/ui/kpis/export?window=1h',
      'channel,window,from,to,health,lagSamples,lagP50Seconds,lagP95Seconds,lagP99Seconds,sloLagP95Seconds,lagSloBreached,staleListings,driftOpen,deadLettersOpen,orderedUnits,oversoldUnits,oversellRate,revenueAtRiskCents,incidents,cancelledUnits,cancelledForStockUnits,reservationsOpen,reservedUnits',
    ],
  ]
  for (const [url, header] of exports) {
    const res = await page.request.get(url)
    expect(res.status(), url).toBe(200)
    expect(res.headers()['content-type']).toContain('text/csv')
    expect(res.headers()['content-disposition']).toMatch(/attachment; filename="stocktower-.+\.csv"/)
    expect((await res.text()).split('\n')[0]).toBe(header)
  }
  await page.goto('/dead-letters')
  await expect(page.getByTestId('dead-letters-export')).toHaveAttribute(
    'href',
    /\/api\/ui\/dead-letters\/export\?status=open/,
  )
  for (const [path, id] of [
    ['/skus', 'skus-export'],
    ['/channels', 'channels-export'],
    ['/kpis', 'kpis-export'],
  ]) {
    await page.goto(path)
    await expect(page.getByTestId(id)).toHaveAttribute('href', /\/api\/ui\/.+\/export/)
  }
  // Lists say how many match; the channel's attempts filter by outcome on the server and sort on a header click.
  await page.goto('/skus?kind=item')
  await expect(page.getByTestId('sku-total')).toHaveText(/^[\d,]+ SKU\(s\) match/)
  await page.goto('/channels/shopify')
  await page.getByTestId('attempt-outcome').selectOption('applied')
  const attempts = page.getByTestId('attempts')
  const column = (n: number) => attempts.locator(`tbody tr td:nth-child(${n})`).allInnerTexts()
  await expect.poll(async () => [...new Set(await column(5))]).toEqual(['applied'])
  await expect(page.getByTestId('attempts-total')).toHaveText(/^[\d,]+ attempts? match/)
  await page.getByTestId('sort-quantity').click()
  await expect(attempts.locator('th[aria-sort="descending"]')).toHaveText(/Quantity/)
  await expect(attempts).toHaveAttribute('aria-busy', 'false')
  await expect
    .poll(async () => {
      const q = (await column(3)).map((t) => Number(t.replace(/,/g, '')))
      return q.length > 0 && q.every((x, i) => i === 0 || q[i - 1] >= x) && [...new Set(await column(5))].join()
    })
    .toBe('applied')
})

test('the Rules screen fits at 1440, 1280 and 390 px without sideways scrolling; the incident page at 390 px too; dark mode screenshots', async ({
  page,
}) => {
  test.setTimeout(240_000)
  await signIn(page, 'admin@example.com')
  const overflow = () =>
    page.evaluate(() => {
      const wide = (el: Element) => el.scrollWidth > el.clientWidth + 1
      return {
        page: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
        waterfall: wide(document.querySelector('[data-testid="channel-rules"]')!.closest('.panel')!),
        // Every other panel too (windows, sell-ahead, feeds, exceptions, safety stock, versions): they stack as cards on a phone.
        panels: [...document.querySelectorAll('main .panel')]
          .filter(wide)
          .map((p) => p.querySelector('h2')?.textContent ?? p.getAttribute('data-testid') ?? '?'),
      }
    })
  for (const v of VIEWPORTS) {
    await page.setViewportSize(v)
    await page.goto('/rules')
    await expect(page.getByTestId('channel-rule-amazon')).toBeVisible()
    expect(await overflow(), `rules at ${v.width}x${v.height}`).toEqual({ page: false, waterfall: false, panels: [] })
    await page.screenshot({ path: `test-results/screens/rules-full-${v.width}x${v.height}.png`, fullPage: true })
    // Every field of the waterfall is inside the viewport's width (nothing clipped on the right).
    for (const input of await page.getByTestId('channel-rule-amazon').locator('input, select, button').all()) {
      const box = await input.boundingBox()
      expect(box && box.x + box.width <= v.width, `${await input.getAttribute('aria-label')} at ${v.width}`).toBe(true)
    }
  }
  const incidents = (await (await page.request.get('/api/ui/oversells?window=30d&limit=1')).json()) as {
    items: Array<{ id: string }>
  }
  await page.setViewportSize({ width: 390, height: 844 })
  if (incidents.items[0]) {
    await page.goto(`/findings/oversells/${incidents.items[0].id}`)
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    const decision = page.getByTestId('incident-decision')
    if (await decision.count()) {
      const panel = await decision.locator('..').boundingBox()
      for (const chip of await decision.locator('.chip').all()) {
        const box = await chip.boundingBox()
        expect(box && panel && box.x + box.width <= panel.x + panel.width, 'the rule chip stays inside its panel').toBe(
          true,
        )
      }
    }
  }
  // Dark mode follows the system: screenshots to look at, and text keeps its contrast on panels.
  await page.emulateMedia({ colorScheme: 'dark' })
  for (const v of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(v)
    for (const s of SCREENS) {
      await page.goto(s.path)
      await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(s.heading)
      await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0)
      await page.screenshot({ path: `test-results/screens/dark-${s.name}-${v.width}x${v.height}.png`, fullPage: true })
    }
  }
})
