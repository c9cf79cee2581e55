// Each role sees only what it may do: the nav offers exactly its screens, a screen it may not open
// says so (and the read behind it answers 403), and controls it may not use are absent. The role
// table is server/auth/permissions.ts; these are the promises a user relies on, per role.
import { expect, test, type Page } from '@playwright/test'
import { signIn } from './session'

const SCREENS = {
  Dashboard: '/',
  SKUs: '/skus',
  KPIs: '/kpis',
  Channels: '/channels',
  'Drift & oversells': '/findings',
  'Dead letters': '/dead-letters',
  Rules: '/rules',
  Holdbacks: '/holdbacks',
  Audit: '/audit',
  Settings: '/settings',
} as const
type Screen = keyof typeof SCREENS
const READS: Partial<Record<Screen, string>> = {
  'Dead letters': '/api/ui/dead-letters',
  Rules: '/api/ui/rules',
  Holdbacks: '/api/ui/holdbacks',
  Audit: '/api/ui/audit',
  Settings: '/api/ui/settings/api-keys',
}

const ALL = Object.keys(SCREENS) as Screen[]
const OPS = ALL.filter((s) => s !== 'Settings')
const ALLOWED: Record<string, Screen[]> = {
  analyst: OPS,
  support: OPS,
  merchandiser: OPS.filter((s) => s !== 'Audit'),
  executive: ['Dashboard', 'SKUs', 'KPIs', 'Channels', 'Drift & oversells'],
}

async function navLabels(page: Page): Promise<string[]> {
  return (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((t) => t.trim())
}

for (const [role, allowed] of Object.entries(ALLOWED)) {
  test(`${role}: the nav lists exactly its screens and the others are refused`, async ({ page }) => {
    await signIn(page, `${role}@example.com`)
    expect((await navLabels(page)).filter((l) => l in SCREENS).sort()).toEqual([...allowed].sort())
    for (const screen of ALL.filter((s) => !allowed.includes(s))) {
      await page.goto(SCREENS[screen])
      await expect(page.getByTestId('forbidden')).toBeVisible()
      const read = READS[screen]
      if (read) expect((await page.request.get(read)).status(), `${role} GET ${read}`).toBe(403)
    }
  })
}

test('channel switches: the analyst may pause but not go live; merchandiser and executive see neither', async ({
  page,
}) => {
  await signIn(page, 'analyst@example.com')
  await page.goto('/channels/amazon')
  await expect(page.getByTestId('toggle-pause')).toBeVisible()
  await expect(page.getByTestId('toggle-mode')).toHaveCount(0)
  for (const role of ['merchandiser', 'executive']) {
    await page.context().clearCookies()
    await signIn(page, `${role}@example.com`)
    await page.goto('/channels/amazon')
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Amazon')
    await expect(page.getByTestId('toggle-pause')).toHaveCount(0)
    await expect(page.getByTestId('toggle-mode')).toHaveCount(0)
  }
})
