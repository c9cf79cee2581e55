// The doors of issue 17 in a real browser against the running product: security headers with a
// CSP the app works under (every sign-in in these specs runs Next's scripts under it), no open
// redirect through the sign-in link, the sign-in body cap, sign-in throttling through next-auth
// itself, and a sign-out that ends the session on the server (a copied cookie stops working).
import http from 'node:http'
import { expect, test } from '@playwright/test'
import { signIn } from './session'

const base = () => new URL(process.env.BASE_URL ?? 'http://127.0.0.1:3102')

test('every response carries the security headers; the CSP nonce is on the scripts Next renders', async ({
  page,
  request,
}) => {
  for (const path of ['/login', '/api/health', '/api/v1/dead-letters']) {
    const r = await request.get(path)
    const h = r.headers()
    expect(h['content-security-policy'], path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/)
    expect(h['content-security-policy'], path).toContain("frame-ancestors 'none'")
    expect(h['x-content-type-options'], path).toBe('nosniff')
    expect(h['referrer-policy'], path).toBe('strict-origin-when-cross-origin')
    expect(h['strict-transport-security'], path).toBeUndefined()
  }
  expect(
    (await request.get('/api/health', { headers: { 'x-forwarded-proto': 'https' } })).headers()[
      'strict-transport-security'
    ],
  ).toMatch(/max-age=/)
  const violations: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
  })
  const res = await page.goto('/login')
  const nonce = /'nonce-([^']+)'/.exec(res!.headers()['content-security-policy'])![1]
  expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0)
  // The browser hides nonce attributes from the DOM; the served HTML carries them.
  expect(await res!.text()).toContain(`nonce="${nonce}"`)
  await signIn(page, 'analyst@example.com')
  expect(violations).toEqual([])
})

test('a sign-in link cannot send a signed-in user to another site', async ({ page }) => {
  await signIn(page, 'analyst@example.com')
  for (const evil of ['/..//evil.example', '//evil.example', 'https://evil.example/', '/\\evil.example']) {
    await page.goto(`/login?callbackUrl=${encodeURIComponent(evil)}`)
    expect(new URL(page.url()).origin, evil).toBe(base().origin)
  }
})

test('a huge sign-in body is refused from its headers, before anything reads it', async () => {
  const { status, ms } = await new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = Date.now()
    const req = http.request(
      {
        host: base().hostname,
        port: base().port,
        path: '/api/auth/callback/credentials',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(200 * 1024 * 1024) },
      },
      (res) => {
        res.resume()
        resolve({ status: res.statusCode!, ms: Date.now() - started })
      },
    )
    req.on('error', reject)
    req.write('email=a%40b.c&password=')
    // Nothing more is sent: the answer must come without the other 200 MiB.
  })
  expect(status).toBe(413)
  expect(ms).toBeLessThan(30_000)
})

test('failed sign-ins are throttled per account with 429 and Retry-After', async ({ page, request }) => {
  const email = `throttle-${Date.now()}@example.com`
  const csrf = async () => ((await (await request.get('/api/auth/csrf')).json()) as { csrfToken: string }).csrfToken
  const statuses: number[] = []
  let retryAfter: string | undefined
  for (let i = 0; i < 7; i++) {
    const r = await request.post('/api/auth/callback/credentials', {
      form: { email, password: `wrong-${i}`, csrfToken: await csrf(), json: 'true' },
      maxRedirects: 0,
    })
    statuses.push(r.status())
    if (r.status() === 429) retryAfter = r.headers()['retry-after']
  }
  expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true)
  expect(statuses.slice(5)).toEqual([429, 429])
  expect(Number(retryAfter)).toBeGreaterThan(0)
  // The form says so in words.
  await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill('still-wrong')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect(page.getByTestId('login-error')).toContainText('Too many failed sign-ins')
})

test('sign-out ends the session on the server: a copy of the cookie no longer works', async ({ page, browser }) => {
  await signIn(page, 'support@example.com')
  const cookies = await page.context().cookies()
  expect((await page.request.get('/api/ui/dead-letters')).status()).toBe(200)
  await page.getByRole('button', { name: 'Sign out' }).click()
  await expect(page).toHaveURL(/\/login/)
  const copy = await browser.newContext()
  await copy.addCookies(cookies)
  expect((await copy.request.get('/api/ui/dead-letters')).status()).toBe(401)
  await copy.close()
})
