// The admin configures a sender as code in Settings -> Sources and tries a sample 846 before any
// file is dropped: the screen shows the counts it would produce and the LIN it would refuse, and
// nothing is applied. The same source is readable through GET /api/v1/sources.
import { expect, test } from '@playwright/test'
import { auth, signIn } from './session'

function isa(control: string): string {
  return (
    [
      'ISA',
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      'ZZ',
      'ACME3PL'.padEnd(15),
      'ZZ',
      'STOCKTOWER'.padEnd(15),
      '261201',
      '0600',
      'U',
      '00401',
      control,
      '0',
      'P',
      '>',
    ].join('*') + '~'
  )
}

const SAMPLE = [
  isa('000000901'),
  'GS*IB*ACME3PL*STOCKTOWER*20261201*0600*901*X*004010~',
  'ST*846*0001~',
  'BIA*00*MM*E2E-1*20261201*0600~',
  'N1*SU*Acme 3PL*92*ACME~',
  'LIN*1*SK*SKU-00001*UP*012345000011~',
  'QTY*33*42*EA~',
  'QTY*17*50*EA~',
  'LIN*2*VN*NOT-A-SKU~',
  'QTY*33*5~',
  'CTT*2~',
  'SE*10*0001~',
  'GE*1*901~',
  'IEA*1*000000901~',
].join('\n')

test.describe('sources', () => {
  test('admin adds a 3PL source, tries a sample 846 with its settings, and nothing applies', async ({ page }) => {
    const code = `e2e-acme-${Date.now()}`
    await signIn(page, 'admin@example.com')
    await page.goto('/settings')
    await page.getByTestId('settings-section-sources').click()
    await expect(page.getByRole('heading', { name: 'Sources', level: 1 })).toBeVisible()

    await page.getByTestId('source-new').click()
    const form = page.getByTestId('source-form')
    await form.getByLabel('Code', { exact: true }).fill(code)
    await form.getByLabel('Name', { exact: true }).fill('Acme 3PL (e2e)')
    await form.getByLabel('Kind').selectOption('3pl')
    await form.getByTestId('source-qualifiers').fill('33')
    await form.getByTestId('source-default-location').fill('DC-EAST')
    await form.getByRole('button', { name: 'Save' }).click()
    await expect(page.getByTestId('sources-message')).toHaveText('Added Acme 3PL (e2e).')
    const row = page.getByTestId(`source-${code}`)
    await expect(row).toContainText('33')
    await expect(row).toContainText('DC-EAST')

    // The same settings as code.
    const api = await page.request.get(`/api/v1/sources/${code}`, { headers: auth })
    expect(api.status()).toBe(200)
    expect(await api.json()).toMatchObject({
      code,
      kind: '3pl',
      settings: { edi846: { quantityQualifiers: ['33'], defaultLocation: 'DC-EAST' } },
      signingSecret: { set: false },
    })

    await row.getByRole('button', { name: 'Edit Acme 3PL (e2e)' }).click()
    await page
      .getByTestId('source-sample')
      .setInputFiles({ name: 'acme-sample.edi', mimeType: 'application/edi-x12', buffer: Buffer.from(SAMPLE) })
    const report = page.getByTestId('dry-run-report')
    await expect(report.getByRole('status')).toHaveText(
      '1 event(s) would apply; 1 row(s) would be rejected (each kept as a dead letter).',
    )
    const event = report.getByTestId('dry-run-events').locator('tbody tr')
    await expect(event).toHaveCount(1)
    await expect(event).toContainText('SKU-00001')
    await expect(event).toContainText('DC-EAST')
    await expect(event).toContainText('42 EA')
    await expect(report.getByTestId('dry-run-errors')).toContainText('UNKNOWN_SKU')
    await expect(report.getByTestId('dry-run-errors')).toContainText(
      `none of its product ids is a SKU or an alias of source "${code}": add an alias for one of them (NOT-A-SKU).`,
    )

    // Nothing stored: the refused LIN left no dead letter (a dropped file would have).
    const letters = await (
      await page.request.get('/api/v1/dead-letters?kind=ingest&code=UNKNOWN_SKU&limit=200', { headers: auth })
    ).json()
    expect(letters.items.filter((l: { source?: string }) => l.source === code)).toEqual([])
  })

  test('a merchandiser cannot open Sources', async ({ page }) => {
    await signIn(page, 'merchandiser@example.com')
    await page.goto('/settings/sources')
    await expect(page).toHaveURL(/\/forbidden/)
    expect((await page.request.get('/api/ui/settings/sources')).status()).toBe(403)
  })
})
