// The admin's job: invite a person (the temporary password shown once) who signs in with the role
// given and must choose their own password first; change the role and deactivate, and the open session follows at once; create an API key
// (shown once) that works against the API until it is revoked.
import crypto from 'node:crypto'
import { expect, test } from '@playwright/test'
import { signIn, signedIn } from './session'

test.describe('admin', () => {
  test('invites a user, changes their role and deactivates them; their open session follows', async ({
    page,
    browser,
  }) => {
    test.slow() // two people, a password change and three role states: several sign-ins and bcrypt checks on a shared 2-core machine
    await signIn(page, 'admin@example.com')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('link', { name: 'Users and roles' }).first().click()
    const email = `e2e-${Date.now()}@example.com`
    const invite = page.getByTestId('invite-user')
    await invite.getByLabel('Email').fill(email)
    await invite.getByLabel('Role').selectOption('merchandiser')
    await invite.getByRole('button', { name: 'Invite' }).click()
    const password = await page.getByTestId('one-time-secret').getByTestId('secret-value').inputValue()
    expect(password.length).toBeGreaterThanOrEqual(12)

    // The new person signs in with it and works as a merchandiser.
    const theirs = await (await browser.newContext()).newPage()
    await theirs.goto('/login')
    await theirs.getByLabel('Email').fill(email)
    await theirs.getByLabel('Password').fill(password)
    await theirs.getByRole('button', { name: 'Sign in' }).click()
    await expect(theirs.getByTestId('signed-in-as')).toHaveText(email)
    // A one-time password must be replaced first: every screen leads to the password page until then.
    await theirs.goto('/rules')
    await expect(theirs).toHaveURL(/\/account\/password/)
    await expect(theirs.getByTestId('password-change-required')).toBeVisible()
    expect((await theirs.request.get('/api/ui/rules')).status()).toBe(403)
    await theirs.getByLabel('Current password').fill(password)
    await theirs.getByLabel('New password (at least 10 characters)').fill('their-own-password-1')
    await theirs.getByLabel('New password again').fill('their-own-password-1')
    await theirs.getByRole('button', { name: 'Change password' }).click()
    await expect(theirs.getByTestId('password-changed')).toBeVisible()
    await theirs.goto('/rules')
    await expect(theirs.getByRole('heading', { name: 'Rules', level: 1 })).toBeVisible()

    // Made an executive: rule editing is refused at their next request, without signing out.
    const row = page.getByTestId(`user-${email}`)
    await expect(row).toBeVisible()
    await row.getByLabel(`Role of ${email}`).selectOption('executive')
    await page.getByTestId('confirm-yes').click()
    await expect(row.getByLabel(`Role of ${email}`)).toHaveValue('executive')
    expect((await theirs.request.get('/api/ui/rules')).status()).toBe(403)
    await theirs.goto('/rules')
    await expect(theirs.getByTestId('forbidden')).toBeVisible()

    // Deactivated: signed out at once.
    await row.getByRole('button', { name: `Deactivate ${email}` }).click()
    await page.getByTestId('confirm-yes').click()
    await expect(row).toContainText('deactivated')
    expect((await theirs.request.get('/api/ui/kpis?window=1h')).status()).toBe(401)
    // Their open page may already be leaving for /login on its own (a refetch answered 401), which
    // aborts this navigation; either way they must land on the sign-in page.
    await theirs.goto('/').catch((e: Error) => {
      if (!e.message.includes('ERR_ABORTED')) throw e
    })
    await expect(theirs).toHaveURL(/\/login/)
    await theirs.context().close()

    // The audit log has all three.
    await page.goto(`/audit?entity=user`)
    await expect(page.getByText(email).first()).toBeVisible()
  })

  test('creates an API key shown once that works until revoked; other roles cannot open Settings', async ({
    page,
    browser,
  }) => {
    test.slow() // five sign-ins (each a bcrypt check and a server-side session)
    await signIn(page, 'admin@example.com')
    await page.goto('/settings/api-keys')
    const form = page.getByTestId('create-api-key')
    const name = `e2e key ${Date.now()}`
    await form.getByLabel('Name').fill(name)
    await form.getByRole('checkbox', { name: 'read', exact: true }).check()
    await form.getByRole('button', { name: 'Create key' }).click()
    const key = await page.getByTestId('one-time-secret').getByTestId('secret-value').inputValue()
    const bearer = { Authorization: `Bearer ${key}` }
    expect((await page.request.get('/api/v1/availability/SKU-00001', { headers: bearer })).status()).toBe(200)
    // Not allowed to ingest with a read-only key.
    expect(
      (
        await page.request.post('/api/v1/events', { headers: bearer, data: { source: 'erp-demo', events: [] } })
      ).status(),
    ).toBe(403)
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await expect(page.getByTestId('one-time-secret')).toHaveCount(0)
    await expect(page.getByText(key)).toHaveCount(0)

    const row = page.getByTestId('api-key-list').locator('tr', { hasText: name })
    await row.getByRole('button', { name: /^Revoke key/ }).click()
    await page.getByTestId('confirm-yes').click()
    await expect
      .poll(async () => (await page.request.get('/api/v1/availability/SKU-00001', { headers: bearer })).status())
      .toBe(401)

    for (const role of ['analyst', 'merchandiser', 'support', 'executive']) {
      const other = await signedIn(browser, `${role}@example.com`)
      await expect(other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' })).toHaveCount(
        0,
      )
      await other.goto('/settings/users')
      await expect(other.getByTestId('forbidden')).toBeVisible()
      expect((await other.request.get('/api/ui/settings/users')).status()).toBe(403)
      await other.context().close()
    }
  })

  test('adds a signing source: webhooks signed with its secret are taken, others refused', async ({ page }) => {
    await signIn(page, 'admin@example.com')
    await page.goto('/settings/api-keys')
    const code = `e2e-wms-${Date.now()}`
    const form = page.getByTestId('create-source')
    await form.getByLabel('Source code').fill(code)
    await form.getByLabel('Name').fill('E2E WMS')
    await form.getByLabel('Kind').selectOption('wms')
    await form.getByRole('button', { name: 'Add source and issue secret' }).click()
    const secret = await page.getByTestId('one-time-secret').getByTestId('secret-value').inputValue()
    await expect(page.getByTestId(`source-${code}`)).toBeVisible()

    const send = (body: string, key: string, ts = Math.floor(Date.now() / 1000)) =>
      page.request.post('/api/v1/events', {
        headers: {
          'content-type': 'application/json',
          'x-stocktower-timestamp': String(ts),
          'x-stocktower-signature': `sha256=${crypto.createHmac('sha256', key).update(`${ts}.${body}`).digest('hex')}`,
        },
        data: body,
      })
    const body = JSON.stringify({
      source: code,
      events: [
        {
          idempotencyKey: `${code}-1`,
          type: 'receipt',
          sku: 'SKU-00421',
          location: 'DC-EAST',
          quantity: 3,
          occurredAt: new Date().toISOString(),
        },
      ],
    })
    const ok = await send(body, secret)
    expect(ok.status()).toBe(202)
    expect(await ok.json()).toMatchObject({ accepted: 1 })
    expect((await send(body, 'not-the-secret')).status()).toBe(401)
    expect((await send(body, secret, Math.floor(Date.now() / 1000) - 600)).status()).toBe(401)
    // The signature binds the sender to its own source.
    const other = JSON.stringify({ source: 'erp-demo', events: [] })
    expect((await send(other, secret)).status()).toBe(401)
  })
})
