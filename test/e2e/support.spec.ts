// Support's job end to end: an ERP event with an unknown SKU becomes a dead letter; once the alias
// exists, the analyst asks for a replay (seeing its impact first), support approves it, and the
// stock moves. Four eyes: nobody approves their own request; the executive cannot open the screen.
import { expect, test } from '@playwright/test'
import { auth, signedIn } from './session'

async function onHand(
  request: import('@playwright/test').APIRequestContext,
  sku: string,
  location: string,
): Promise<number> {
  const a = (await (await request.get(`/api/v1/availability/${sku}`, { headers: auth })).json()) as {
    locations: Array<{ location: string; onHand: number }>
  }
  return a.locations.find((l) => l.location === location)?.onHand ?? 0
}

test.describe('support', () => {
  test('a replay requested by the analyst is approved by support and applies once', async ({ browser, request }) => {
    const legacy = `LEGACY-${Date.now()}`
    const sku = 'SKU-01998'
    const before = await onHand(request, sku, 'DC-WEST')
    const posted = await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `e2e-${legacy}`,
            type: 'receipt',
            sku: legacy,
            location: 'DC-WEST',
            quantity: 7,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    })
    expect((await posted.json()).rejected[0].code).toBe('UNKNOWN_SKU')
    // The fix: an alias from the ERP's old code to ours.
    const alias = await request.post('/api/v1/catalog/sku-aliases', {
      headers: auth,
      data: { items: [{ scope: 'erp-demo', alias: legacy, sku }] },
    })
    expect(alias.status()).toBe(200)

    const analyst = await signedIn(browser, 'analyst@example.com')
    await analyst.goto(`/dead-letters?sku=${legacy}`)
    await expect(analyst.getByTestId('dead-letter-list')).toContainText('UNKNOWN_SKU')
    await expect(analyst.getByTestId('dl-total')).toHaveText('1 dead letter(s) match')
    // The raw event as it was kept, and the message it came in.
    await analyst.getByTestId('dl-raw-toggle').first().click()
    await expect(analyst.getByTestId('dl-raw')).toContainText(`"sku": "${legacy}"`)
    await expect(analyst.getByTestId('dl-raw-message')).toHaveAttribute('href', /\/api\/ui\/raw-messages\//)
    // Row selection: replay just this one; the impact counts units and the listings of its SKU.
    await analyst.getByTestId('select-row').first().check()
    await expect(analyst.getByTestId('dl-total')).toHaveText('1 dead letter(s) match · 1 selected')
    await analyst.getByTestId('preview-replay-selected').click()
    await expect(analyst.getByTestId('replay-impact')).toContainText('Replay 1 dead letter(s)?')
    await expect(analyst.getByTestId('replay-impact-text')).toContainText('1 event(s) moving 7 unit(s)')
    await expect(analyst.getByTestId('replay-impact-text')).not.toContainText(' 0 listing(s)')
    await analyst.getByLabel('Note for the approver').fill('alias added')
    await analyst.getByTestId('request-replay').click()
    await expect(analyst.getByTestId('dl-message')).toContainText('waiting for approval')
    // Honest state: requested, not applied.
    await analyst.goto(`/dead-letters?sku=${legacy}&status=replay_requested`)
    await expect(analyst.getByTestId('dl-status').first()).toHaveText('replay pending approval')
    // The analyst may ask, not approve.
    await expect(analyst.getByTestId('approve')).toHaveCount(0)

    const support = await signedIn(browser, 'support@example.com')
    await support.goto('/dead-letters')
    const row = support
      .getByTestId('approval-queue')
      .getByRole('row')
      .filter({ hasText: 'analyst@example.com' })
      .filter({ hasText: 'alias added' })
    await row.getByTestId('approve').click()
    await expect(support.getByTestId('dl-message')).toContainText('Replay done: 1 event(s) applied')
    expect(await onHand(request, sku, 'DC-WEST')).toBe(before + 7)
  })

  test('support cannot approve their own request; the executive cannot open dead letters', async ({
    browser,
    request,
  }) => {
    const legacy = `LEGACY-OWN-${Date.now()}`
    await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `e2e-${legacy}`,
            type: 'receipt',
            sku: legacy,
            location: 'DC-EAST',
            quantity: 1,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    })
    const support = await signedIn(browser, 'support@example.com')
    await support.goto(`/dead-letters?sku=${legacy}`)
    await support.getByTestId('preview-replay').click()
    await support.getByLabel('Note for the approver').fill(`own ${legacy}`)
    await support.getByTestId('request-replay').click()
    await expect(support.getByTestId('dl-message')).toContainText('waiting for approval')
    const mine = support
      .getByTestId('approval-queue')
      .getByRole('row')
      .filter({ hasText: `own ${legacy}` })
    await expect(mine.getByTestId('own-request')).toBeVisible()
    await expect(mine.getByTestId('approve')).toHaveCount(0)

    const executive = await signedIn(browser, 'executive@example.com')
    await executive.goto('/dead-letters')
    await expect(executive).toHaveURL(/\/forbidden/)
    await expect(executive.getByTestId('forbidden')).toContainText('dead-letters:view')
  })

  test('a dead letter for an unknown SKU links to its fix, prefilled in the catalog import', async ({
    browser,
    request,
  }) => {
    const legacy = `LEGACY-FIX-${Date.now()}`
    const posted = await request.post('/api/v1/events', {
      headers: auth,
      data: {
        source: 'erp-demo',
        events: [
          {
            idempotencyKey: `e2e-${legacy}`,
            type: 'receipt',
            sku: legacy,
            location: 'DC-WEST',
            quantity: 2,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    })
    expect((await posted.json()).rejected[0].code).toBe('UNKNOWN_SKU')
    const admin = await signedIn(browser, 'admin@example.com')
    await admin.goto(`/dead-letters?sku=${legacy}`)
    await expect(admin.getByTestId('dl-fix')).toHaveText(`Add SKU alias "${legacy}"…`)
    await admin.getByTestId('dl-fix').click()
    await expect(admin).toHaveURL(/\/settings\/catalog\?import=sku-aliases/)
    await expect(admin.getByTestId('prefilled-csv')).toHaveValue(`scope,alias,sku\nerp-demo,${legacy},\n`)
  })
})
