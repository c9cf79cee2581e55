// The operations analyst: signs in, watches the sync overview, and sees a stock movement posted
// through the API reach the channel quantities live, without reloading the page.
import { expect, test } from '@playwright/test'
import { auth, signIn, signedIn } from './session'

type Availability = { channels: Array<{ channel: string; desired: number | null; applied: number | null }> }

test.describe('analyst', () => {
  test('every page requires sign-in', async ({ page, request }) => {
    await page.goto('/skus')
    await expect(page).toHaveURL(/\/login/)
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
    expect((await request.get('/api/ui/dashboard')).status()).toBe(401)
  })

  test('a wrong password is refused with a clear message', async ({ page }) => {
    await page.goto('/login')
    await page.getByLabel('Email').fill('analyst@example.com')
    await page.getByLabel('Password').fill('not-the-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByTestId('login-error')).toContainText('Sign-in failed')
  })

  test('sees a posted event change the channel quantity live on the dashboard', async ({ page, request }) => {
    await signIn(page, 'analyst@example.com')
    await expect(page.getByRole('heading', { name: 'Sync overview' })).toBeVisible()
    for (const channel of ['shopify', 'amazon', 'walmart', 'b2b'])
      await expect(page.getByTestId(`channel-${channel}`)).toBeVisible()
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live')
    // A marker that survives only as long as the page is not reloaded.
    await page.evaluate(() => {
      ;(window as unknown as { stocktowerMarker: string }).stocktowerMarker = 'same-page'
    })

    const sku = 'SKU-00417'
    const before = (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as Availability
    const shopifyBefore = before.channels.find((c) => c.channel === 'shopify')!.desired
    const post = await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `e2e-analyst-${Date.now()}`,
            type: 'receipt',
            sku,
            location: 'DC-EAST',
            quantity: 60,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    })
    expect(post.status()).toBe(202)

    // The workers decide and publish; wait until the channel confirms the new number.
    let shopifyAfter: number | null = null
    await expect
      .poll(
        async () => {
          const now = (await (
            await request.get(`/api/v1/availability/${sku}`, { headers: auth })
          ).json()) as Availability
          const shopify = now.channels.find((c) => c.channel === 'shopify')!
          shopifyAfter = shopify.applied === shopify.desired ? shopify.desired : null
          return shopifyAfter !== null && shopifyAfter !== shopifyBefore
        },
        { timeout: 45_000 },
      )
      .toBe(true)

    const row = page.getByTestId(`recent-${sku}-shopify`).first()
    await expect(row.getByTestId('recent-quantity')).toHaveText(String(shopifyAfter!.toLocaleString('en-US')))
    await expect(row).toContainText('applied')
    expect(await page.evaluate(() => (window as unknown as { stocktowerMarker?: string }).stocktowerMarker)).toBe(
      'same-page',
    )
  })

  test('follows one SKU live and sees why each channel gets its number', async ({ page, request }) => {
    await signIn(page, 'analyst@example.com')
    // Start from a settled channel: the first full sync after start-up is done (the tile is live).
    await expect(page.getByTestId('pending-amazon')).toHaveText('0', { timeout: 120_000 })
    const sku = 'SKU-00418'
    await page.goto(`/skus/${sku}`)
    await expect(page.getByTestId('sku-code')).toContainText(sku)
    await expect(page.getByTestId('explain-shopify')).toContainText('safety_stock')
    const onHandBefore = Number((await page.getByTestId('on-hand-DC-WEST').innerText()).replace(/,/g, ''))
    await page.evaluate(() => {
      ;(window as unknown as { stocktowerMarker: string }).stocktowerMarker = 'same-page'
    })

    const idempotencyKey = `e2e-sku-${Date.now()}`
    const post = await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey,
            type: 'receipt',
            sku,
            location: 'DC-WEST',
            quantity: 40,
            occurredAt: new Date().toISOString(),
            reference: 'PO-E2E-7',
          },
        ],
      },
    })
    expect(post.status()).toBe(202)
    await expect(page.getByTestId('on-hand-DC-WEST')).toHaveText((onHandBefore + 40).toLocaleString('en-US'))
    // The ledger shows the event with its provenance, and the message exactly as it arrived.
    const newest = page.getByTestId('events').locator('tbody tr').first()
    await expect(newest).toContainText('PO-E2E-7')
    const raw = await (
      await page.request.get((await newest.getByRole('link', { name: 'message' }).getAttribute('href'))!)
    ).text()
    expect(JSON.parse(raw).events[0]).toMatchObject({ idempotencyKey, sku, quantity: 40 })
    // Decided and applied converge on the page as the workers publish and the channel confirms.
    await expect(async () => {
      const desired = await page.getByTestId('desired-amazon').innerText()
      expect(await page.getByTestId('applied-amazon').innerText()).toBe(desired)
      const api = (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as Availability
      expect(desired).toBe(String(api.channels.find((c) => c.channel === 'amazon')!.desired?.toLocaleString('en-US')))
    }).toPass({ timeout: 45_000 })
    expect(await page.evaluate(() => (window as unknown as { stocktowerMarker?: string }).stocktowerMarker)).toBe(
      'same-page',
    )
  })

  test('pauses Walmart: quantities keep being decided but nothing is sent; on resume the newest lands', async ({
    page,
    request,
  }) => {
    await signIn(page, 'analyst@example.com')
    await page.goto('/channels/walmart')
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Walmart')
    await expect(page.getByTestId('ops-pending')).toHaveText('0', { timeout: 120_000 })
    await page.getByTestId('toggle-pause').click()
    await page.getByLabel('Reason').fill('e2e: carrier outage at the Walmart DC')
    await page.getByTestId('confirm-switch').click()
    await expect(page.getByTestId('channel-message')).toContainText('is paused')
    await expect(page.getByRole('heading', { level: 1 })).toContainText('paused')
    try {
      const sku = 'SKU-00419'
      const walmart = async () =>
        (
          (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as Availability
        ).channels.find((c) => c.channel === 'walmart')!
      const before = await walmart()
      for (const [i, quantity] of [25, 35].entries()) {
        const post = await request.post('/api/v1/events', {
          headers: auth,
          data: {
            source: 'erp-demo',
            events: [
              {
                idempotencyKey: `e2e-pause-${Date.now()}-${i}`,
                type: 'receipt',
                sku,
                location: 'DC-EAST',
                quantity,
                occurredAt: new Date().toISOString(),
              },
            ],
          },
        })
        expect(post.status()).toBe(202)
      }
      // Decided anew while paused (both receipts), but the channel still shows the old number.
      await expect.poll(async () => (await walmart()).desired, { timeout: 45_000 }).not.toBe(before.desired)
      await expect(page.getByTestId('ops-pending')).not.toHaveText('0')
      expect((await walmart()).applied).toBe(before.applied)

      await page.getByTestId('toggle-pause').click()
      await page.getByLabel('Reason').fill('e2e: outage over')
      await page.getByTestId('confirm-switch').click()
      await expect(page.getByTestId('channel-message')).toContainText('resumed')
      await expect
        .poll(
          async () => {
            const w = await walmart()
            return w.applied !== null && w.applied === w.desired && w.desired !== before.desired
          },
          { timeout: 60_000 },
        )
        .toBe(true)
      await expect(page.getByTestId('ops-pending')).toHaveText('0', { timeout: 60_000 })
    } finally {
      // Leave the demo running for the specs after this one, whatever happened above.
      if ((await page.getByTestId('toggle-pause').innerText()) === 'Resume channel') {
        await page.getByTestId('toggle-pause').click()
        await page.getByLabel('Reason').fill('e2e: cleanup')
        await page.getByTestId('confirm-switch').click()
      }
    }
    await page.goto('/audit?action=channel.pause')
    await expect(page.getByText('e2e: carrier outage at the Walmart DC').first()).toBeVisible()
  })

  test('a lost live connection shows a banner; on reconnect the page catches up without a reload', async ({
    page,
    request,
  }) => {
    await signIn(page, 'analyst@example.com')
    const sku = 'SKU-00420'
    await page.goto(`/skus/${sku}`)
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-state', 'live')
    const before = Number((await page.getByTestId('on-hand-DC-EAST').innerText()).replace(/,/g, ''))
    await page.evaluate(() => {
      ;(window as unknown as { stocktowerMarker: string }).stocktowerMarker = 'same-page'
    })
    await page.context().setOffline(true)
    // At once, not after socket.io's ping timeout: the browser says it is offline.
    await expect(page.getByTestId('live-banner')).toBeVisible({ timeout: 5_000 })
    await expect(page.getByTestId('live-banner')).toContainText('Live updates stopped')
    // Stock moves while this browser hears nothing.
    const post = await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `e2e-offline-${Date.now()}`,
            type: 'receipt',
            sku,
            location: 'DC-EAST',
            quantity: 11,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    })
    expect(post.status()).toBe(202)
    await page.context().setOffline(false)
    await expect(page.getByTestId('live-banner')).toHaveCount(0, { timeout: 45_000 })
    await expect(page.getByTestId('on-hand-DC-EAST')).toHaveText((before + 11).toLocaleString('en-US'))
    expect(await page.evaluate(() => (window as unknown as { stocktowerMarker?: string }).stocktowerMarker)).toBe(
      'same-page',
    )
  })

  test('a merchant edit on Shopify is held for a person once the order grace has passed; the analyst republishes and our number lands', async ({
    browser,
    request,
  }) => {
    const sku = 'SKU-01990'
    const admin = await signedIn(browser, 'admin@example.com')
    // More units than we applied may be a cancellation on its way: a refused update waits the
    // channel's order grace (at least a minute, from its measured order lag) before the difference is
    // a merchant edit. The admin shortens Shopify's grace in Settings, and puts it back after.
    const orderGrace = async (seconds: string) => {
      await admin.goto('/settings/channels')
      await admin.getByRole('button', { name: 'Edit settings of Shopify' }).click()
      const form = admin.getByTestId('channel-form')
      await form.getByLabel(/^Wait this long for orders in flight/).fill(seconds)
      await form.getByRole('button', { name: 'Save', exact: true }).click()
      await expect(admin.getByTestId('channels-message')).toContainText('Saved Shopify')
    }
    await orderGrace('5')
    try {
      // The setup a store makes: someone edits the number in Shopify's admin (the simulator's back door).
      const { items } = (await (await admin.request.get('/api/ui/settings/channels')).json()) as {
        items: Array<{ code: string; baseUrl: string }>
      }
      const shopifyUrl = items.find((c) => c.code === 'shopify')!.baseUrl
      type Detail = {
        externalIds: Record<string, string | null>
        channels: Array<{ channel: string; externalSku: string; applied: number | null }>
      }
      const detail = (await (await admin.request.get(`/api/ui/skus/${sku}`)).json()) as Detail
      const shopify = detail.channels.find((c) => c.channel === 'shopify')!
      expect(shopify.applied).not.toBeNull()
      const edited = shopify.applied! + 40
      const edit = await request.post(`${shopifyUrl}/_sim/manual-edit`, {
        data: { sku: shopify.externalSku, inventoryItemId: detail.externalIds.shopify, quantity: edited },
      })
      expect(edit.status()).toBe(200)
      // Our next update carries the number we last applied as Shopify's compare-and-set value: refused.
      const posted = await request.post('/api/v1/events', {
        headers: auth,
        data: {
          source: 'erp-demo',
          events: [
            {
              idempotencyKey: `e2e-cas-${Date.now()}`,
              type: 'receipt',
              sku,
              location: 'DC-EAST',
              quantity: 3,
              occurredAt: new Date().toISOString(),
            },
          ],
        },
      })
      expect(posted.status()).toBe(202)

      const page = await signedIn(browser, 'analyst@example.com')
      await page.goto(`/findings?kind=drift&sku=${sku}`)
      const row = page.getByTestId('findings-table').getByRole('row').filter({ hasText: 'shopify' })
      await expect(row).toContainText('needs a person', { timeout: 60_000 })
      await expect(row).toContainText(String(edited))
      // Held, not retried: the store keeps the merchant's number until a person decides.
      await page.goto(`/skus/${sku}`)
      await expect(page.getByTestId('sync-state-shopify')).toContainText('held for a person')
      await expect(page.getByTestId('channel-quantities')).toContainText('held:')

      await page.goto(`/findings?kind=drift&sku=${sku}`)
      page.once('dialog', (d) => void d.accept())
      await row.getByTestId('republish').click()
      await expect(page.getByTestId('finding-message')).toContainText('goes out again')
      await page.goto(`/skus/${sku}`)
      const desired = (await page.getByTestId('desired-shopify').textContent()) ?? ''
      await expect(page.getByTestId('applied-shopify')).toHaveText(desired, { timeout: 60_000 })
      await expect(page.getByTestId('sync-state-shopify')).toContainText('in sync', { timeout: 60_000 })
    } finally {
      await orderGrace('')
    }
  })

  test('chooses a time zone: every axis and time says it, and the choice sticks', async ({ page }) => {
    await signIn(page, 'analyst@example.com')
    await expect(page.getByTestId('channel-amazon')).toBeVisible()
    // Default: the browser's zone (Playwright's Chromium runs in the machine's zone).
    const browserZone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
    await expect(page.getByTestId('time-zone-now')).toContainText(browserZone)
    await page.getByTestId('time-zone').selectOption('Asia/Tokyo')
    await expect(page.getByTestId('time-zone-now')).toHaveText('Asia/Tokyo (GMT+9)')
    const chart = page.getByTestId('lag-chart')
    if (await chart.count()) {
      await expect(chart).toHaveAttribute('data-time-zone', 'Asia/Tokyo')
      await expect(chart).toContainText('time (Asia/Tokyo, GMT+9)')
    }
    // Absolute times carry the zone; the seed rule set is in force "from the start", not "20789d ago".
    await page.goto('/rules')
    await expect(page.getByTestId('current-effective-from')).toBeVisible()
    const effective = await page.getByTestId('current-effective-from').innerText()
    expect(effective === 'from the start' || /GMT\+9$/.test(effective)).toBe(true)
    await page.goto('/audit')
    await expect(page.locator('table time').first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} GMT\+9$/)
    // Back to UTC: the same times in UTC.
    await page.getByTestId('time-zone').selectOption('UTC')
    await expect(page.locator('table time').first()).toHaveText(/ UTC$/)
    await page.reload()
    await expect(page.getByTestId('time-zone-now')).toHaveText('UTC (UTC)')
    await page.getByTestId('time-zone').selectOption('')
  })

  test('finds anything from one search box: SKU, alias, listing id, order id, in any case', async ({ page }) => {
    await signIn(page, 'analyst@example.com')
    await page.keyboard.press('/')
    await expect(page.getByTestId('global-search')).toBeFocused()
    await page.keyboard.type('sku-0004')
    await expect(page.getByTestId('search-hits')).toContainText('SKU-00040')
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(/\/skus\/SKU-0004/)
    // A channel's own id for the listing leads to the same page.
    await page.getByTestId('global-search').fill('amz-sku-00042')
    await expect(page.getByTestId('search-hits')).toContainText('amazon listing of SKU-00042')
  })

  test('a channel falling behind its SLO is unhealthy on every screen, with the reason', async ({
    browser,
    request,
  }) => {
    test.setTimeout(240_000)
    const admin = await signedIn(browser, 'admin@example.com')
    const { items } = (await (await admin.request.get('/api/ui/settings/channels')).json()) as {
      items: Array<{ code: string; baseUrl: string }>
    }
    const amazonUrl = items.find((c) => c.code === 'amazon')!.baseUrl
    // Amazon is down (every API call answers 503) and its SLO says 5 s: what we decide waits.
    expect((await request.post(`${amazonUrl}/_sim/config`, { data: { outage: true } })).status()).toBe(200)
    try {
      await admin.goto('/channels/amazon')
      await admin.getByTestId('edit-slo').click()
      await admin.getByLabel('Stale after seconds').fill('5')
      await admin.getByTestId('save-slo').click()
      await expect(admin.getByTestId('slo-message')).toContainText('stale after 5 s')
      const sku = 'SKU-00777'
      const post = await request.post('/api/v1/events', {
        headers: auth,
        data: {
          source: 'erp-demo',
          events: [
            {
              idempotencyKey: `e2e-slo-${Date.now()}`,
              type: 'receipt',
              sku,
              location: 'DC-EAST',
              quantity: 25,
              occurredAt: new Date().toISOString(),
            },
          ],
        },
      })
      expect(post.status()).toBe(202)
      // Amazon now has a number it does not show.
      await expect
        .poll(
          async () => {
            const a = (await (
              await request.get(`/api/v1/availability/${sku}`, { headers: auth })
            ).json()) as Availability
            const amazon = a.channels.find((c) => c.channel === 'amazon')!
            return amazon.desired !== amazon.applied
          },
          { timeout: 60_000 },
        )
        .toBe(true)
      // The channel page: unhealthy, saying how many wait past the SLO and for how long.
      await expect(async () => {
        await admin.reload()
        await expect(admin.getByTestId('channel-health')).toHaveAttribute('data-state', 'unhealthy', { timeout: 2_000 })
        await expect(admin.getByTestId('channel-health-panel')).toContainText('waiting longer than the SLO of 5 s', {
          timeout: 2_000,
        })
      }).toPass({ timeout: 90_000 })
      expect(Number((await admin.getByTestId('ops-stale').innerText()).replace(/,/g, ''))).toBeGreaterThan(0)
      await expect(admin.getByTestId('ops-oldest')).not.toHaveText('none waiting')

      const analyst = await signedIn(browser, 'analyst@example.com')
      // Dashboard tile.
      await expect(async () => {
        await analyst.goto('/')
        await expect(analyst.getByTestId('health-amazon')).toHaveAttribute('data-state', 'unhealthy', {
          timeout: 2_000,
        })
        await expect(analyst.getByTestId('stale-amazon')).not.toHaveText('0', { timeout: 2_000 })
      }).toPass({ timeout: 30_000 })
      await expect(analyst.getByTestId('health-amazon')).toHaveAttribute('title', /waiting longer than the SLO of 5 s/)
      // Channels list and KPIs.
      await analyst.goto('/channels')
      await expect(analyst.getByTestId('channel-health-amazon')).toHaveAttribute('data-state', 'unhealthy')
      await analyst.goto('/kpis')
      await expect(analyst.getByTestId('kpi-health-amazon')).toHaveAttribute('data-state', 'unhealthy')
      expect(Number(await analyst.getByTestId('kpi-stale-amazon').innerText())).toBeGreaterThan(0)
      // Prometheus says the same.
      const metrics = await (await request.get('/api/metrics', { headers: auth })).text()
      expect(metrics).toContain('stocktower_channel_health{channel="amazon",state="unhealthy"} 1')
      // The whole tile is the way to the channel.
      await analyst.goto('/')
      await analyst.getByTestId('channel-amazon').click()
      await expect(analyst).toHaveURL(/\/channels\/amazon$/)
    } finally {
      await request.post(`${amazonUrl}/_sim/config`, { data: { outage: false } })
      await admin.goto('/channels/amazon')
      await admin.getByTestId('edit-slo').click()
      await admin.getByLabel('Stale after seconds').fill('300')
      await admin.getByTestId('save-slo').click()
      await expect(admin.getByTestId('slo-message')).toContainText('stale after 300 s')
    }
  })

  test('sorts the findings and the audit log on their columns, with totals; the URL and the CSV follow the order', async ({
    page,
  }) => {
    await signIn(page, 'analyst@example.com')
    // Audit: how many match, then sorted by action through the header; the page shows the rows the
    // server returns for that order, the URL carries it and the export link follows it.
    await page.goto('/audit')
    await expect(page.getByTestId('audit-total')).toHaveText(/^[\d,]+ (entry matches|entries match)$/)
    await expect(page.getByTestId('sort-at')).toContainText('▼')
    await page.getByTestId('sort-action').click()
    await expect(page).toHaveURL(/[?&]sort=action(&|$)/)
    await expect(page.getByTestId('audit-export')).toHaveAttribute('href', /sort=action/)
    const byAction = (await (await page.request.get('/api/ui/audit?sort=action&limit=50')).json()) as {
      items: Array<{ action: string }>
    }
    await expect(page.getByTestId('audit-row').first().locator('td').nth(2)).toHaveText(byAction.items[0].action)
    // Shown in the database's order of actions (its collation decides, so its own order is the reference).
    const rank = new Map([...new Set(byAction.items.map((a) => a.action))].map((a, i) => [a, i]))
    const shown = (await page.getByTestId('audit-row').locator('td:nth-child(3)').allInnerTexts())
      .filter((a) => rank.has(a))
      .map((a) => rank.get(a)!)
    expect(shown.length).toBeGreaterThan(0)
    expect(shown).toEqual([...shown].sort((a, b) => a - b))
    await page.getByTestId('sort-action').click()
    await expect(page).toHaveURL(/[?&]sort=-action(&|$)/)
    await expect(page.getByTestId('sort-action').locator('..')).toHaveAttribute('aria-sort', 'descending')
    const csv = await (await page.request.get('/api/ui/audit/export?sort=-action')).text()
    const desc = (await (await page.request.get('/api/ui/audit?sort=-action&limit=5')).json()) as {
      items: Array<{ action: string }>
    }
    expect(
      csv
        .split('\n')
        .slice(1, 6)
        .map((l) => l.split(',')[3]),
    ).toEqual(desc.items.map((a) => a.action))
    expect((await page.request.get('/api/ui/audit?sort=before')).status()).toBe(400)

    // Findings: the total, then sorted by kind; every status so the list is not empty on the demo.
    await page.goto('/findings?status=')
    await expect(page.getByTestId('findings-total')).toHaveText(/^[\d,]+ findings? match(es)?$/)
    const total = ((await (await page.request.get('/api/ui/findings?limit=1')).json()) as { total: number }).total
    await expect(page.getByTestId('findings-total')).toContainText(total.toLocaleString('en-US'))
    await page.getByTestId('sort-kind').click()
    await expect(page).toHaveURL(/[?&]sort=kind(&|$)/)
    await expect(page.getByTestId('findings-export')).toHaveAttribute('href', /sort=kind/)
    if (total > 0) {
      const byKind = (await (await page.request.get('/api/ui/findings?sort=kind&limit=50')).json()) as {
        items: Array<{ id: string }>
      }
      await expect(page.getByTestId('findings-table').locator('tbody tr').first()).toHaveAttribute(
        'data-testid',
        `finding-${byKind.items[0].id}`,
      )
    }
    await page.getByTestId('sort-updatedAt').click()
    await expect(page).toHaveURL(/[?&]sort=-updatedAt(&|$)/)
  })
})
