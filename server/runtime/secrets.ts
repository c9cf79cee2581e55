// Secrets the product generates on first start and keeps in the data folder, so a restart keeps
// sessions, encrypted credentials and the demo API key valid. Explicit env vars always win.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

export interface LocalSecrets {
  nextAuthSecret: string
  encryptionKey: string
  demoApiKey: string
  postgresPassword: string
  b2bSigningSecret: string
  /** The demo Shopify app's secret: the simulator signs order webhooks with it, the channel verifies them. */
  shopifyWebhookSecret: string
}

export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'secrets.json')
  let existing: Partial<LocalSecrets> = {}
  if (fs.existsSync(file)) existing = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LocalSecrets>
  const secrets: LocalSecrets = {
    nextAuthSecret: existing.nextAuthSecret ?? crypto.randomBytes(32).toString('base64url'),
    encryptionKey: existing.encryptionKey ?? crypto.randomBytes(32).toString('base64'),
    demoApiKey: existing.demoApiKey ?? `st_demo_${crypto.randomBytes(24).toString('base64url')}`,
    postgresPassword: existing.postgresPassword ?? crypto.randomBytes(18).toString('base64url'),
    b2bSigningSecret: existing.b2bSigningSecret ?? crypto.randomBytes(24).toString('base64url'),
    shopifyWebhookSecret: existing.shopifyWebhookSecret ?? crypto.randomBytes(24).toString('base64url'),
  }
  if (JSON.stringify(secrets) !== JSON.stringify(existing)) {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
  }
  return secrets
}
