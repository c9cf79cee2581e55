// Admin settings (issue 7): API keys, signing secrets, channel configuration, users and the
// catalogue screen. Real PostgreSQL; the server/settings use cases are called as the actions call them.
import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { PrismaClient } from '@prisma/client'
import { useTestDatabase } from './helpers/test-db'
import { makeChannel, makeSku, saveRules } from '../support/factories'
import type { Actor } from '../../server/audit/record-audit'
import { hashApiKey } from '../../server/auth/api-keys'
import { authenticateApiKey } from '../../server/auth/authenticate-api-key'
import { verifyCredentials } from '../../server/auth/passwords'
import { signWebhook, verifyWebhookSignature } from '../../server/auth/webhook-signatures'
import { decryptCredentials } from '../../server/channels/credentials'
import { AppError } from '../../server/errors'
import { createApiKeyForAdmin } from '../../server/auth/manage-api-keys'
import { revokeApiKey } from '../../server/auth/revoke-api-key'
import { listApiKeys } from '../../server/auth/list-api-keys'
import { createSource } from '../../server/sources/create-source'
import { rotateSigningSecret } from '../../server/sources/rotate-signing-secret'
import { updateChannel } from '../../server/channels/configure-channel'
import { setChannelCredentials } from '../../server/channels/set-channel-credentials'
import { listChannelSettings } from '../../server/channels/list-channel-settings'
import { changeUserRole } from '../../server/users/change-user-role'
import { inviteUser } from '../../server/users/invite-user'
import { setUserActive } from '../../server/users/set-user-active'
import { listUsers } from '../../server/users/list-users'
import { editSku } from '../../server/catalog/edit-catalog'
import { importCatalogFromScreen } from '../../server/catalog/import-catalog-from-screen'
import { getCatalogSku, searchCatalog } from '../../server/catalog/search-catalog'

let db: PrismaClient
let admin: Actor

useTestDatabase(async (created) => {
  db = created
  await saveRules(db)
  const u = await db.user.create({
    data: { email: 'root@example.com', name: 'Root', role: 'admin', passwordHash: 'x' },
  })
  admin = { kind: 'user', id: u.id, label: u.email }
})

async function auditRows(entity: string, entityId: string, action?: string) {
  const rows = await db.auditLog.findMany({
    where: { entity, entityId, ...(action ? { action } : {}) },
    orderBy: { id: 'asc' },
  })
  return rows.map(({ id: _id, ...row }) => row)
}

async function refused(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(AppError)
  return e as AppError
}

describe('API keys', () => {
  it('returns the key once, stores only its hash, and a revoked key is refused', async () => {
    const created = await createApiKeyForAdmin(
      db,
      admin,
      { name: 'WMS east', scopes: ['read', 'ingest:erp'], boundSource: 'wms-east' },
      'ref-1',
    )
    expect(created.key).toMatch(new RegExp(`^st_${created.prefix}_`))

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.id } })
    expect(row.secretHash).toBe(hashApiKey(created.key))
    // Nothing stored holds the key itself.
    // The secret is everything after `st_<prefix>_` (base64url, so it may itself hold `_`).
    const secret = created.key.slice(`st_${created.prefix}_`.length)
    expect(secret.length).toBeGreaterThan(20)
    expect(JSON.stringify(row)).not.toContain(secret)
    expect(row).toMatchObject({
      scopes: ['ingest:erp', 'read'],
      boundSource: 'wms-east',
      createdById: admin.id,
      revokedAt: null,
    })

    // The list shows the prefix and state, never the key or its hash.
    const screen = await listApiKeys(db)
    const listed = screen.keys.find((k) => k.id === created.id)!
    expect(listed).toMatchObject({
      name: 'WMS east',
      prefix: created.prefix,
      createdBy: 'root@example.com',
      revokedAt: null,
    })
    expect(JSON.stringify(screen)).not.toContain(created.key)
    expect(JSON.stringify(screen)).not.toContain(row.secretHash)

    expect(listed.lastUsedAt).toBeNull()
    await expect(authenticateApiKey(db, `Bearer ${created.key}`, 'read')).resolves.toMatchObject({
      keyId: created.id,
      boundSource: 'wms-east',
    })
    const used = (await listApiKeys(db)).keys.find((k) => k.id === created.id)!.lastUsedAt
    expect(used).not.toBeNull()
    await authenticateApiKey(db, `Bearer ${created.key}`, 'read')
    expect((await listApiKeys(db)).keys.find((k) => k.id === created.id)!.lastUsedAt).toBe(used) // at most one write a minute
    await revokeApiKey(db, admin, { id: created.id })
    const e = await refused(authenticateApiKey(db, `Bearer ${created.key}`, 'read'))
    expect(e.status).toBe(401)
    expect((await refused(revokeApiKey(db, admin, { id: created.id }))).code).toBe('ALREADY_REVOKED')

    const audit = await auditRows('api_key', created.id)
    expect(audit.map((a) => a.action)).toEqual(['api_key.create', 'api_key.revoke'])
    expect(audit[0]).toMatchObject({ actorKind: 'user', actorId: admin.id, ref: 'ref-1' })
    expect(JSON.stringify(audit)).not.toContain(created.key)
  })

  it('refuses unknown scopes and unknown channels', async () => {
    expect((await refused(createApiKeyForAdmin(db, admin, { name: 'x', scopes: ['admin:everything'] }))).code).toBe(
      'INVALID_INPUT',
    )
    expect(
      (await refused(createApiKeyForAdmin(db, admin, { name: 'x', scopes: ['ingest:channel:nowhere'] }))).code,
    ).toBe('UNKNOWN_CHANNEL')
  })
})

describe('webhook signing secrets', () => {
  it('issues a secret once, stores it encrypted, and keeps the old one working for the overlap window only', async () => {
    const issued = await createSource(db, admin, { code: 'erp-main', name: 'Main ERP', kind: 'erp' })
    const stored = await db.source.findUniqueOrThrow({ where: { code: 'erp-main' } })
    expect(stored.signingSecretEnc).not.toContain(issued.secret)
    expect(decryptCredentials(stored.signingSecretEnc).secret).toBe(issued.secret)

    const now = new Date()
    const ts = Math.floor(now.getTime() / 1000)
    const body = '{"events":[]}'
    const signed = (secret: string) => ({ timestamp: String(ts), signature: signWebhook(secret, ts, body) })
    await expect(verifyWebhookSignature(db, 'erp-main', signed(issued.secret), body, now)).resolves.toBeUndefined()

    const rotated = await rotateSigningSecret(db, admin, { code: 'erp-main', overlapHours: 2 }, null, now)
    expect(rotated.secret).not.toBe(issued.secret)
    expect(new Date(rotated.previousValidUntil!).getTime()).toBe(now.getTime() + 2 * 3_600_000)
    await expect(verifyWebhookSignature(db, 'erp-main', signed(rotated.secret), body, now)).resolves.toBeUndefined()
    await expect(verifyWebhookSignature(db, 'erp-main', signed(issued.secret), body, now)).resolves.toBeUndefined()
    // After the window, only the new one.
    const later = new Date(now.getTime() + 2 * 3_600_000 + 1000)
    const laterSigned = (secret: string) => ({
      timestamp: String(Math.floor(later.getTime() / 1000)),
      signature: signWebhook(secret, Math.floor(later.getTime() / 1000), body),
    })
    expect(
      (await refused(verifyWebhookSignature(db, 'erp-main', laterSigned(issued.secret), body, later))).status,
    ).toBe(401)
    await expect(
      verifyWebhookSignature(db, 'erp-main', laterSigned(rotated.secret), body, later),
    ).resolves.toBeUndefined()
    // A stale timestamp is refused even with the right secret.
    expect((await refused(verifyWebhookSignature(db, 'erp-main', signed(rotated.secret), body, later))).status).toBe(
      401,
    )

    const screen = await listApiKeys(db, now)
    const source = screen.sources.find((s) => s.code === 'erp-main')!
    expect(source).toMatchObject({ secretSet: true, previousValidUntil: rotated.previousValidUntil })
    expect(JSON.stringify(screen)).not.toContain(rotated.secret)
    expect((await auditRows('source', 'erp-main')).map((a) => a.action)).toEqual([
      'source.create',
      'source.secret.rotate',
    ])
    expect(JSON.stringify(await auditRows('source', 'erp-main'))).not.toContain(rotated.secret)
  })
})

describe('channel configuration', () => {
  it('stores credentials encrypted; the read model says only "set" and when', async () => {
    const ch = await makeChannel(db, 'shop-eu', { kind: 'shopify', mode: 'shadow', baseUrl: 'https://eu.example.com' })
    const before = (await listChannelSettings(db)).items.find((c) => c.code === 'shop-eu')!
    expect(before.credentials).toMatchObject({
      set: false,
      lastChangedAt: null,
      fields: ['accessToken', 'webhookSecret'],
    })

    const token = `shpat_${crypto.randomBytes(12).toString('hex')}`
    await setChannelCredentials(db, admin, { code: 'shop-eu', credentials: { accessToken: token } })
    const row = await db.channel.findUniqueOrThrow({ where: { id: ch.id } })
    expect(row.credentialsEnc).toMatch(/^v1:/)
    expect(row.credentialsEnc).not.toContain(token)
    expect(decryptCredentials(row.credentialsEnc)).toEqual({ accessToken: token })

    const view = await listChannelSettings(db)
    const listed = view.items.find((c) => c.code === 'shop-eu')!
    expect(listed.credentials).toMatchObject({ set: true, lastChangedBy: 'root@example.com' })
    expect(listed.credentials.lastChangedAt).not.toBeNull()
    const text = JSON.stringify(view)
    expect(text).not.toContain(token)
    expect(text).not.toContain(row.credentialsEnc!)
    const audit = await auditRows('channel', ch.id, 'channel.credentials.set')
    expect(audit).toHaveLength(1)
    expect(JSON.stringify(audit)).not.toContain(token)

    // A field the connector does not have is refused, naming fields, never values.
    const e = await refused(
      setChannelCredentials(db, admin, { code: 'shop-eu', credentials: { password: 'hunter2-secret' } }),
    )
    expect(e.code).toBe('INVALID_CREDENTIALS')
    expect(e.message).not.toContain('hunter2')
  })

  it('validates settings with the connector schema, refuses secrets in settings, and going live enqueues a publish', async () => {
    const ch = await makeChannel(db, 'amz-de', {
      kind: 'amazon',
      mode: 'shadow',
      settings: { sellerId: 'S1', marketplaceId: 'M1' },
    })
    const base = {
      code: 'amz-de',
      name: 'Amazon DE',
      mode: 'shadow',
      status: 'active',
      baseUrl: 'https://sp-api.example.com',
      ratePerSecond: 10,
      rateBurst: 10,
    }
    expect(
      (await refused(updateChannel(db, admin, { ...base, settings: { sellerId: '', marketplaceId: 'M1' } }))).code,
    ).toBe('INVALID_SETTINGS')
    const secret = await refused(
      updateChannel(db, admin, { ...base, settings: { sellerId: 'S1', marketplaceId: 'M1', apiToken: 'abc' } }),
    )
    expect(secret.message).toContain('credentials')
    expect(
      (
        await refused(
          updateChannel(db, admin, {
            ...base,
            baseUrl: 'not a url',
            settings: { sellerId: 'S1', marketplaceId: 'M1' },
          }),
        )
      ).message,
    ).toContain('baseUrl')

    await db.$executeRawUnsafe(`DELETE FROM graphile_worker._private_jobs`)
    const r = await updateChannel(db, admin, {
      ...base,
      mode: 'live',
      settings: { sellerId: 'S2', marketplaceId: 'M1', verifySlaSeconds: 60 },
    })
    expect(r.changed.sort()).toEqual(['mode', 'name', 'ratePerSecond', 'rateBurst', 'settings'].sort())
    const row = await db.channel.findUniqueOrThrow({ where: { id: ch.id } })
    expect(row).toMatchObject({ mode: 'live', name: 'Amazon DE', ratePerSecond: 10, rateBurst: 10 })
    expect(row.settings).toEqual({
      sellerId: 'S2',
      marketplaceId: 'M1',
      verifySlaSeconds: 60,
      baseUrl: 'https://sp-api.example.com',
    })
    const [jobs] = await db.$queryRawUnsafe<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier LIKE 'publish%'`,
    )
    expect(jobs.n).toBe(1)
    const audit = await auditRows('channel', ch.id, 'channel.configure')
    expect(audit).toHaveLength(1)

    // A secret someone put in settings outside this screen is not sent to the browser.
    await db.channel.update({
      where: { id: ch.id },
      data: { settings: { ...(row.settings as object), apiToken: 'leaked-token' } },
    })
    const listed = (await listChannelSettings(db)).items.find((c) => c.code === 'amz-de')!
    expect(JSON.stringify(listed)).not.toContain('leaked-token')
    expect(listed.settings).toMatchObject({ sellerId: 'S2', apiToken: '(hidden: move to credentials)' })
    expect(audit[0].before).toMatchObject({ mode: 'shadow' })
    expect(audit[0].after).toMatchObject({ mode: 'live' })
  })
})

describe('users and roles', () => {
  it('invites with a one-time password, changes roles, deactivates; the last admin and oneself are protected', async () => {
    const invited = await inviteUser(db, admin, { email: 'New.Person@Example.com', role: 'analyst' })
    expect(invited).toMatchObject({ email: 'new.person@example.com', role: 'analyst' })
    expect(invited.temporaryPassword.length).toBeGreaterThanOrEqual(16)
    const row = await db.user.findUniqueOrThrow({ where: { id: invited.id } })
    expect(row.passwordHash).not.toContain(invited.temporaryPassword)
    await expect(verifyCredentials(db, 'new.person@example.com', invited.temporaryPassword)).resolves.toMatchObject({
      id: invited.id,
      role: 'analyst',
    })
    expect((await refused(inviteUser(db, admin, { email: 'new.person@example.com', role: 'support' }))).code).toBe(
      'USER_EXISTS',
    )

    await changeUserRole(db, admin, { id: invited.id, role: 'support' })
    expect((await db.user.findUniqueOrThrow({ where: { id: invited.id } })).role).toBe('support')

    await setUserActive(db, admin, { id: invited.id, active: false })
    await expect(verifyCredentials(db, 'new.person@example.com', invited.temporaryPassword)).resolves.toBeNull()
    await setUserActive(db, admin, { id: invited.id, active: true })

    // Oneself: neither deactivate nor demote.
    expect((await refused(setUserActive(db, admin, { id: admin.id!, active: false }))).code).toBe('SELF_DEACTIVATE')
    expect((await refused(changeUserRole(db, admin, { id: admin.id!, role: 'analyst' }))).code).toBe('SELF_CHANGE')

    // The last active admin, acted on by another account (e.g. a second admin since deactivated).
    const other = await inviteUser(db, admin, { email: 'second-admin@example.com', role: 'admin' })
    const otherActor: Actor = { kind: 'user', id: other.id, label: other.email }
    await setUserActive(db, otherActor, { id: admin.id!, active: false })
    const lastAdmin = await refused(setUserActive(db, admin, { id: other.id, active: false }))
    expect(lastAdmin).toMatchObject({ code: 'LAST_ADMIN', status: 409 })
    expect(lastAdmin.message).toContain('last active admin')
    expect((await refused(changeUserRole(db, admin, { id: other.id, role: 'executive' }))).code).toBe('LAST_ADMIN')
    await setUserActive(db, otherActor, { id: admin.id!, active: true })
    await changeUserRole(db, admin, { id: other.id, role: 'executive' })

    const list = await listUsers(db, admin.id)
    expect(list.items.find((u) => u.id === admin.id)).toMatchObject({ me: true, role: 'admin', active: true })
    expect(JSON.stringify(list)).not.toContain(row.passwordHash)

    expect((await auditRows('user', invited.id)).map((a) => a.action)).toEqual([
      'user.invite',
      'user.role.change',
      'user.deactivate',
      'user.reactivate',
    ])
    expect(JSON.stringify(await auditRows('user', invited.id))).not.toContain(invited.temporaryPassword)
    expect((await auditRows('user', admin.id!)).map((a) => a.action)).toEqual(['user.deactivate', 'user.reactivate'])
  })
})

describe('catalogue screen', () => {
  const csv = 'code,name,components\nSET-A,Part A,\nSET-B,Part B,\nSET-KIT,Kit of A and B,SET-A:2;SET-B:1\n'

  it('a dry run plans and changes nothing; apply creates, audited; kits show on the SKU', async () => {
    const plan = await importCatalogFromScreen(db, admin, { entity: 'skus', csv, dryRun: true })
    expect(plan).toMatchObject({ dryRun: true, applied: false, changes: { created: 3, updated: 0, errors: 0 } })
    expect(plan.items.map((i) => [i.line, i.key, i.action])).toEqual([
      [2, 'SET-A', 'create'],
      [3, 'SET-B', 'create'],
      [4, 'SET-KIT', 'create'],
    ])
    expect(await db.sku.count({ where: { code: { startsWith: 'SET-' } } })).toBe(0)
    expect(await db.auditLog.count({ where: { entity: 'sku', entityId: { startsWith: 'SET-' } } })).toBe(0)

    const applied = await importCatalogFromScreen(db, admin, { entity: 'skus', csv, dryRun: false }, 'ref-import')
    expect(applied).toMatchObject({ dryRun: false, applied: true, changes: { created: 3 } })
    expect(await db.sku.count({ where: { code: { startsWith: 'SET-' } } })).toBe(3)
    const audit = await auditRows('sku', 'SET-KIT')
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({
      action: 'catalog.sku.create',
      actorKind: 'user',
      actorLabel: 'root@example.com',
      ref: 'ref-import',
    })

    const kit = await getCatalogSku(db, 'SET-KIT')
    expect(kit).toMatchObject({
      isKit: true,
      components: [
        { sku: 'SET-A', quantity: 2 },
        { sku: 'SET-B', quantity: 1 },
      ],
    })
    expect((await getCatalogSku(db, 'SET-A')).usedInKits).toEqual([
      { sku: 'SET-KIT', name: 'Kit of A and B', quantity: 2 },
    ])
  })

  it('a file with a bad row applies nothing and reports the row', async () => {
    const r = await importCatalogFromScreen(db, admin, {
      entity: 'skus',
      csv: 'code,name,price_cents\nBAD-1,Fine,100\nBAD-2,Broken,12.5\n',
      dryRun: false,
    })
    expect(r).toMatchObject({ applied: false, changes: { errors: 1 } })
    expect(r.items.find((i) => i.action === 'error')).toMatchObject({ line: 3, key: 'BAD-2' })
    expect(await db.sku.count({ where: { code: { startsWith: 'BAD-' } } })).toBe(0)
  })

  it('edits a SKU name and active flag (audited), and searches with server-side paging', async () => {
    await makeSku(db, 'PAGE-1')
    await makeSku(db, 'PAGE-2')
    await makeSku(db, 'PAGE-3')
    const r = await editSku(db, admin, { code: 'PAGE-2', name: 'Renamed', active: false })
    expect(r.changes.updated).toBe(1)
    expect(await db.sku.findUniqueOrThrow({ where: { code: 'PAGE-2' } })).toMatchObject({
      name: 'Renamed',
      active: false,
    })
    const audit = await auditRows('sku', 'PAGE-2')
    expect(audit.map((a) => a.action)).toEqual(['catalog.sku.update'])
    expect(audit[0].after).toMatchObject({ name: 'Renamed', active: false })

    const first = await searchCatalog(db, { entity: 'skus', q: 'page-', limit: 2 })
    expect(first.items.map((s) => (s as { code: string }).code)).toEqual(['PAGE-1', 'PAGE-2'])
    expect(first.nextCursor).not.toBeNull()
    const second = await searchCatalog(db, { entity: 'skus', q: 'page-', limit: 2, cursor: first.nextCursor! })
    expect(second.items.map((s) => (s as { code: string }).code)).toEqual(['PAGE-3'])
    expect(second.nextCursor).toBeNull()
    expect((await refused(editSku(db, admin, { code: 'NOPE', name: 'x', active: true }))).code).toBe('UNKNOWN_SKU')
  })
})
