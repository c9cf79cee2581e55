// The merchandiser's job end to end: raise Amazon's safety stock, see the impact before saving, see
// a SKU's Amazon quantity drop by exactly that much (and why, in the explanation), then roll back
// in one action and see it return. A holdback suppresses a SKU on a channel and shows what it
// withholds. The executive cannot reach rule editing; an analyst sees the rules without controls.
import { expect, test, type APIRequestContext } from '@playwright/test'
import { auth, signedIn } from './session'

type Availability = { channels: Array<{ channel: string; desired: number | null }> }
async function desired(request: APIRequestContext, sku: string, channel: string): Promise<number | null> {
  const a = (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as Availability
  return a.channels.find((c) => c.channel === channel)?.desired ?? null
}

/** A demo SKU whose Amazon quantity is well inside the cap and above the zero-out threshold, so a safety stock change shows 1:1. */
async function pickSku(request: APIRequestContext, taken: string[]): Promise<{ sku: string; amazon: number }> {
  for (let i = 1; i <= 200; i++) {
    const sku = `SKU-${String(i).padStart(5, '0')}`
    if (taken.includes(sku)) continue
    const q = await desired(request, sku, 'amazon')
    if (q !== null && q >= 20 && q <= 400) return { sku, amazon: q }
  }
  throw new Error('no demo SKU with an Amazon quantity between 20 and 400')
}

async function amazonSafetyStock(request: APIRequestContext): Promise<number> {
  const r = (await (await request.get('/api/v1/rules', { headers: auth })).json()) as {
    rules: { safetyStock: Array<{ channel?: string; sku?: string; category?: string; units?: number }> }
  }
  return r.rules.safetyStock.find((s) => s.channel === 'amazon' && !s.sku && !s.category)?.units ?? 0
}

test.describe('merchandiser', () => {
  test('raises Amazon safety stock, sees the impact and the SKU change with its explanation, then rolls back', async ({
    browser,
    request,
  }) => {
    const { sku, amazon: before } = await pickSku(request, [])
    const oldUnits = await amazonSafetyStock(request)
    const newUnits = oldUnits + 5
    const page = await signedIn(browser, 'merchandiser@example.com')

    await page.getByRole('navigation').getByRole('link', { name: 'Rules' }).click()
    const startVersion = (await page.getByTestId('current-version').textContent()) ?? ''
    const row = page.getByTestId('ss-channel:amazon')
    await expect(row.getByLabel('Amount')).toHaveValue(String(oldUnits))
    await row.getByLabel('Amount').fill(String(newUnits))
    await expect(page.getByTestId('unsaved')).toBeVisible()
    await page.getByTestId('preview-impact').click()
    // Every Amazon listing with stock above the threshold goes down; the other channels do not move.
    await expect(page.getByTestId('impact-amazon')).toBeVisible()
    const down = Number((await page.getByTestId('impact-amazon').locator('td').nth(3).textContent())?.replace(/,/g, ''))
    expect(down).toBeGreaterThan(0)
    await expect(page.getByTestId('impact-shopify').locator('td').nth(6)).toHaveText(
      await page.getByTestId('impact-shopify').locator('td').nth(1).innerText(),
    )
    await page.getByLabel('Comment').fill('e2e: more Amazon safety stock')
    await page.getByTestId('save-rules').click()
    await expect(page.getByTestId('rules-message')).toContainText('recomputing')
    await expect(page.getByTestId('current-version')).not.toHaveText(startVersion)
    const raisedVersion = (await page.getByTestId('current-version').textContent()) ?? ''

    // The SKU page shows the new quantity and the rule version behind it.
    await page.goto(`/skus/${sku}`)
    await expect(page.getByTestId('desired-amazon')).toHaveText(String(before - 5), { timeout: 60_000 })
    await expect(page.getByTestId('explain-amazon')).toContainText(raisedVersion)
    await expect(page.getByTestId('explain-amazon')).toContainText(`minus safety stock ${newUnits}`)

    // Roll back: one action, a new version with the old rules.
    await page.goto('/rules')
    await page.getByTestId(`version-${startVersion}`).getByTestId('rollback').click()
    await expect(page.getByTestId('rollback-confirm')).toContainText(`safetyStock: `)
    await page.getByTestId('confirm-rollback').click()
    await expect(page.getByTestId('rules-message')).toContainText(`Rolled back to ${startVersion}`)
    await expect(page.getByTestId('ss-channel:amazon').getByLabel('Amount')).toHaveValue(String(oldUnits))
    await expect(page.getByTestId('recompute-progress')).toBeVisible()
    await page.goto(`/skus/${sku}`)
    await expect(page.getByTestId('desired-amazon')).toHaveText(String(before), { timeout: 60_000 })
  })

  test('suppresses a SKU on Walmart with a holdback, sees what it withholds, and removes it', async ({
    browser,
    request,
  }) => {
    const { sku } = await pickSku(request, ['SKU-00001', 'SKU-00002', 'SKU-00003'])
    const walmartBefore = await desired(request, sku, 'walmart')
    expect(walmartBefore).toBeGreaterThan(0)
    const page = await signedIn(browser, 'merchandiser@example.com')
    await page.goto('/holdbacks')
    await page.getByLabel('Holdback SKU').fill(sku)
    await page.getByLabel('Holdback channel').selectOption('walmart')
    await page.getByLabel('Holdback reason').fill('e2e: supplier recall check')
    await page.getByTestId('create-holdback').click()
    await expect(page.getByTestId('holdback-message')).toContainText(`Holdback created on ${sku} for walmart`)
    await expect.poll(() => desired(request, sku, 'walmart'), { timeout: 60_000 }).toBe(0)
    await page.reload()
    await expect(page.getByTestId(`holdback-${sku}`).getByTestId('holdback-effect')).toContainText(
      `${walmartBefore} units off 1 listing(s)`,
    )

    await page.getByTestId(`holdback-${sku}`).getByRole('button', { name: 'Remove…' }).click()
    await page.getByLabel('Why remove').fill('e2e: recall cleared')
    await page.getByTestId('confirm-remove').click()
    await expect(page.getByTestId('holdback-message')).toContainText('Holdback removed')
    await expect.poll(() => desired(request, sku, 'walmart'), { timeout: 60_000 }).toBe(walmartBefore)
  })

  test('edits feed freshness, strategic SKUs, an order exception policy and a publish priority on the Rules screen, saved as a version, then rolls back', async ({
    browser,
    request,
  }) => {
    const page = await signedIn(browser, 'merchandiser@example.com')
    await page.goto('/rules')
    const startVersion = (await page.getByTestId('current-version').textContent()) ?? ''
    // The demo's own ERP feed (always heard from) with a cadence no e2e run outlasts: degraded mode
    // never starts under the other specs (a source never heard from would be stale at once).
    await page.getByTestId('add-feed').click()
    await page.getByLabel('Source of feed 1').fill('erp-demo')
    await expect(page.getByLabel('Location of feed 1')).toHaveValue('')
    await page.getByLabel('Stale after minutes of feed 1').fill('43200')
    await page.getByLabel('Strategic SKUs').fill('SKU-00001, SKU-00002')
    await page.getByLabel('Strategic SKUs').press('Enter')
    await page.getByTestId('add-order-exception').click()
    const reason = page.getByLabel('Reason code for reason CREDIT_HOLD')
    await reason.fill('E2E_HOLD')
    await reason.press('Enter')
    await page.getByLabel('Suppress for reason E2E_HOLD').check()
    await page.getByLabel('Suppression hours for reason E2E_HOLD').fill('12')
    await page.getByLabel('Publish priority for amazon').fill('-5')
    await page.getByTestId('preview-impact').click()
    // None of these moves a quantity: the preview says so before the save.
    await expect(page.getByTestId('impact-amazon')).toBeVisible()
    await expect(page.getByTestId('impact-amazon').locator('td').nth(6)).toHaveText(
      await page.getByTestId('impact-amazon').locator('td').nth(1).innerText(),
    )
    await page.getByLabel('Comment').fill('e2e: policies from the screen')
    await page.getByTestId('save-rules').click()
    await expect(page.getByTestId('current-version')).not.toHaveText(startVersion)
    const r = (await (await request.get('/api/v1/rules', { headers: auth })).json()) as {
      rules: Record<string, unknown> & { channels: Record<string, { publishPriority?: number }> }
    }
    expect(r.rules.feeds).toEqual([{ source: 'erp-demo', maxSilenceMinutes: 43200 }])
    expect(r.rules.strategic).toEqual({ skus: ['SKU-00001', 'SKU-00002'] })
    expect(r.rules.orderExceptions).toEqual({
      E2E_HOLD: { releaseReservation: false, suppress: true, suppressHours: 12 },
    })
    expect(r.rules.channels.amazon.publishPriority).toBe(-5)
    // The saved version reads back into the editor, and the change is one rollback away.
    await expect(page.getByTestId('feed-0').getByLabel('Source of feed 1')).toHaveValue('erp-demo')
    await page.getByTestId(`version-${startVersion}`).getByTestId('rollback').click()
    await expect(page.getByTestId('rollback-confirm')).toContainText('orderExceptions')
    await page.getByTestId('confirm-rollback').click()
    await expect(page.getByTestId('rules-message')).toContainText(`Rolled back to ${startVersion}`)
    await expect(page.getByTestId('feed-rows')).toHaveCount(0)
  })

  test('the executive cannot reach rule editing; the analyst reads rules without controls', async ({ browser }) => {
    const executive = await signedIn(browser, 'executive@example.com')
    await expect(executive.getByRole('navigation').getByRole('link', { name: 'Rules' })).toHaveCount(0)
    await executive.goto('/rules')
    await expect(executive).toHaveURL(/\/forbidden/)
    await executive.goto('/holdbacks')
    await expect(executive).toHaveURL(/\/forbidden/)

    const analyst = await signedIn(browser, 'analyst@example.com')
    await analyst.goto('/rules')
    await expect(analyst.getByTestId('channel-rules')).toContainText('amazon')
    await expect(analyst.getByTestId('preview-impact')).toHaveCount(0)
    await expect(analyst.getByTestId('rollback')).toHaveCount(0)
    await expect(analyst.getByTestId('ss-channel:amazon').getByRole('spinbutton')).toHaveCount(0)
    await analyst.goto('/holdbacks')
    await expect(analyst.getByTestId('create-holdback')).toHaveCount(0)
  })
})
