// The executive: reads oversell KPIs and SLOs per channel, picks a window, and sees no operator
// controls; a channel order that oversells shows up in the oversell rate.
import { expect, test } from '@playwright/test'
import { auth, signIn } from './session'

test.describe('executive', () => {
  test('reads KPIs per channel over a chosen window and sees an oversell counted', async ({ page, request }) => {
    await signIn(page, 'executive@example.com')
    // The executive lands on KPIs; the operations dashboard is one click away.
    await expect(page).toHaveURL(/\/kpis/)
    const nav = page.getByRole('navigation')
    await expect(nav.getByRole('link', { name: 'KPIs' })).toBeVisible()
    // No operator screens in the executive's navigation.
    for (const hidden of ['Dead letters', 'Audit', 'Rules', 'Settings'])
      await expect(nav.getByRole('link', { name: hidden })).toHaveCount(0)

    await nav.getByRole('link', { name: 'KPIs' }).click()
    await expect(page.getByTestId('kpi-channels')).toBeVisible()
    for (const c of ['amazon', 'b2b', 'shopify', 'walmart'])
      await expect(page.getByTestId(`kpi-row-${c}`)).toBeVisible()
    await page.getByTestId('kpi-window').selectOption('1h')
    await expect(page).toHaveURL(/window=1h/)

    // An order for more than Walmart was ever offered of a SKU: a channel oversell.
    const sku = 'SKU-01999'
    let offered: number | null = null
    await expect(async () => {
      const avail = (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as {
        channels: Array<{ channel: string; published: number | null }>
      }
      offered = avail.channels.find((c) => c.channel === 'walmart')?.published ?? null
      expect(offered).not.toBeNull()
    }).toPass({ timeout: 120_000 })
    const orderId = `E2E-EXEC-${Date.now()}`
    const res = await request.post('/api/v1/channels/walmart/orders', {
      headers: auth,
      data: {
        orders: [
          {
            orderId,
            status: 'created',
            occurredAt: new Date().toISOString(),
            lines: [{ lineId: '1', sku: `WM-${sku}`, quantity: (offered ?? 0) + 3 }],
          },
        ],
      },
    })
    expect(res.status()).toBe(202)
    await expect(async () => {
      await page.reload()
      const rate = await page.getByTestId('oversell-rate-walmart').innerText()
      expect(rate).not.toBe('—')
      expect(Number(rate.replace(/[^0-9.]/g, ''))).toBeGreaterThan(0)
    }).toPass({ timeout: 30_000 })
    // The trend shows it, and the number leads to the incident itself.
    await expect(page.getByTestId('oversell-trend')).toBeVisible()
    await page.getByTestId('oversold-walmart').getByRole('link').click()
    await expect(page).toHaveURL(/tab=oversells.*channel=walmart/)
    await expect(page.getByText(orderId).first()).toBeVisible()
    // One incident for the line, and its page tells what happened in a sentence.
    await expect(page.getByTestId(`oversell-row-${orderId}-1`)).toHaveCount(1)
    await page
      .getByTestId(`oversell-row-${orderId}-1`)
      .getByRole('link', { name: `Incident ${orderId}/1` })
      .click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText(`Order ${orderId} line 1 on walmart`)
    await expect(page.getByTestId('incident-sentence')).toContainText(
      `walmart sold ${((offered ?? 0) + 3).toLocaleString('en-US')} units of ${sku} while it had been offered`,
    )
    await expect(page.getByTestId('incident-channels')).toContainText('walmart (this order)')
    await expect(page.getByTestId('incident-sku')).toHaveText(sku)
  })

  test('reads KPIs through the UI API; a bad window is a clear 400', async ({ page }) => {
    await signIn(page, 'executive@example.com')
    expect((await page.request.get('/api/ui/kpis?window=24h')).status()).toBe(200)
    expect((await page.request.get('/api/ui/skus')).status()).toBe(200)
    expect((await page.request.get('/api/ui/kpis?window=forever')).status()).toBe(400)
  })
})
