// Order intake, shown: an order taken on Walmart 4 s before it reaches us is measured as intake lag
// on the channel page (with each intake path's health and the order grace it sets) and in KPIs.
import { expect, test } from '@playwright/test'
import { auth, signedIn } from './session'

test.describe('order intake', () => {
  test("the analyst sees a channel's order intake lag and intake health on the channel page and the KPIs", async ({
    browser,
    request,
  }) => {
    const orderId = `e2e-intake-${Date.now()}`
    const res = await request.post('/api/v1/channels/walmart/orders', {
      headers: auth,
      data: {
        orders: [
          {
            orderId,
            status: 'created',
            occurredAt: new Date(Date.now() - 4_000).toISOString(),
            lines: [{ lineId: '1', sku: 'WM-SKU-01001', quantity: 1 }],
          },
        ],
      },
    })
    expect(res.status()).toBe(202)

    const page = await signedIn(browser, 'analyst@example.com')
    await page.goto('/channels/walmart')
    const panel = page.getByTestId('orders-intake')
    await expect(panel).toBeVisible()
    await expect(panel.getByTestId('intake-lag-p50')).toHaveText(/≈/, { timeout: 30_000 })
    await expect(panel.getByTestId('intake-grace')).not.toBeEmpty()
    await expect(panel.getByTestId('intake-state')).toBeVisible()

    await page.goto('/kpis?window=1h')
    await expect(page.getByTestId('kpi-intake-lag-walmart')).toContainText('/')
  })
})
