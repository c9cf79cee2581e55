// Keyboard shortcuts, as an operator uses them: "?" shows the sheet, "g" then a letter opens a
// screen, j / k walk the rows of the page's table and Enter opens the picked row; none of it fires
// while typing in a field. A role only gets the screens it may open.
import { expect, test } from '@playwright/test'
import { signIn } from './session'

test('g-keys open screens, j/k pick rows and Enter opens one, ? shows the sheet; never while typing', async ({
  page,
}) => {
  await signIn(page, 'analyst@example.com')
  await page.goto('/')
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible()
  // Focus the page body (not a field), as after a click on empty space.
  await page.locator('main').click({ position: { x: 2, y: 2 } })

  await page.keyboard.press('?')
  const sheet = page.getByTestId('shortcut-sheet')
  await expect(sheet).toBeVisible()
  await expect(sheet).toContainText('Dead letters')
  // The analyst may not edit rules but may view them; the sheet lists only screens in the nav.
  const navLinks = await page.getByRole('navigation').getByRole('link').allInnerTexts()
  for (const label of await sheet.locator('tbody tr td:nth-child(2)').allInnerTexts()) {
    if (/^(Search|Next|Open|Show|Close)/.test(label)) continue
    expect(
      navLinks.some((n) => n.includes(label.replace(' (ownership)', ''))),
      `${label} is in the nav`,
    ).toBe(true)
  }
  await page.keyboard.press('Escape')
  await expect(sheet).toBeHidden()

  await page.keyboard.press('g')
  await page.keyboard.press('l')
  await expect(page).toHaveURL(/\/dead-letters/)
  await page.keyboard.press('g')
  await page.keyboard.press('f')
  await expect(page).toHaveURL(/\/findings/)

  await page.keyboard.press('g')
  await page.keyboard.press('s')
  await expect(page).toHaveURL(/\/skus$/)
  const rows = page.locator('main table.data').first().locator(':scope > tbody > tr')
  await expect(rows.nth(1)).toBeVisible()
  await page.keyboard.press('j')
  await expect(rows.nth(0)).toHaveClass(/kbd-current/)
  await page.keyboard.press('j')
  await expect(rows.nth(1)).toHaveClass(/kbd-current/)
  await expect(rows.nth(0)).not.toHaveClass(/kbd-current/)
  await page.keyboard.press('k')
  await expect(rows.nth(0)).toHaveClass(/kbd-current/)
  const href = await rows.nth(0).locator('a[href]').first().getAttribute('href')
  expect(href).toMatch(/^\/skus\//)
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`${href!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))

  // Typing in a field: the keys are text, not shortcuts.
  const search = page.getByTestId('global-search')
  await search.click()
  await page.keyboard.type('gl?j')
  await expect(search).toHaveValue('gl?j')
  await expect(page).not.toHaveURL(/\/dead-letters/)
  await expect(sheet).toBeHidden()
  await search.fill('')
  await search.blur()

  await page.keyboard.press('g')
  await page.keyboard.press('d')
  await expect(page).toHaveURL(/\/(\?.*)?$/)
})

test('column sorts from the headers: SKUs by what Amazon is given (most first), findings by variance; the URL keeps the order', async ({
  page,
}) => {
  await signIn(page, 'analyst@example.com')
  await page.goto('/skus')
  await page.getByTestId('sort-available-amazon').click()
  await expect(page).toHaveURL(/sort=-available/)
  await expect(page).toHaveURL(/channel=amazon/)
  await expect(page.getByTestId('sort-available-amazon').locator('..')).toHaveAttribute('aria-sort', 'descending')
  const headers = await page.getByTestId('sku-table').locator('thead th').allInnerTexts()
  const column = headers.findIndex((h) => h.startsWith('amazon'))
  const amounts = async () =>
    (
      await page
        .getByTestId('sku-table')
        .locator(`tbody tr td:nth-child(${column + 1})`)
        .allInnerTexts()
    ).map((t) => (/^[\d,]+/.test(t) ? Number(t.match(/^[\d,]+/)![0].replace(/,/g, '')) : Number.NEGATIVE_INFINITY))
  // The previous page stays on screen until the sorted one arrives: wait for it.
  const sortedDesc = async () => {
    const xs = await amounts()
    return xs.length > 3 && xs.every((x, i) => i === 0 || xs[i - 1] >= x)
  }
  await expect.poll(sortedDesc, { timeout: 15_000 }).toBe(true)
  await page.getByTestId('sort-available-amazon').click()
  await expect(page).toHaveURL(/sort=available(&|$)/)
  await expect(page.getByTestId('sort-available-amazon').locator('..')).toHaveAttribute('aria-sort', 'ascending')

  await page.goto('/findings?status=')
  await page.getByTestId('sort-variance').first().click()
  await expect(page).toHaveURL(/sort=-variance/)
  await expect(page.getByTestId('sort-variance').first().locator('..')).toHaveAttribute('aria-sort', 'descending')
})
