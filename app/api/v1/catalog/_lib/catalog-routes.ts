// Route handlers shared by every /api/v1/catalog/<entity> route: thin (authenticate, parse the
// request, call one server/catalog use case). GET needs `read`; POST and import need `catalog:write`.
import type { NextResponse } from 'next/server'
import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { AppError, PayloadTooLargeError, ValidationError } from '@/server/errors'
import { pageSize } from '@/server/paging/cursor'
import type { ApiPrincipal } from '@/server/auth/authenticate-api-key'
import type { Actor } from '@/server/audit/record-audit'
import type { CatalogEntityName } from '@/server/catalog/catalog-plan'
import { CATALOG_ENTITIES } from '@/server/catalog/catalog-entities'
import { MAX_CATALOG_BODY_BYTES } from '@/server/catalog/catalog.schema'
import { listCatalog } from '@/server/catalog/list-catalog'
import { CatalogRejectedError, upsertCatalog } from '@/server/catalog/upsert-catalog'
import { importCatalogCsv } from '@/server/catalog/import-catalog-csv'
import { parseJsonText } from '@/server/ingest/storable-text'
import { assertCatalogWriteAllowed } from '@/server/auth/source-binding'

const actorOf = (p: ApiPrincipal): Actor => ({ kind: 'api_key', id: p.keyId, label: `api key ${p.name}` })
const isDryRun = (req: Request) => ['1', 'true'].includes(new URL(req.url).searchParams.get('dryRun') ?? '')

/** A rejected batch keeps the contract's error body and adds the per-item report beside it. */
function rejected(e: CatalogRejectedError, ref: string): NextResponse {
  return json({ error: { code: e.code, message: e.message, ref }, ...e.report }, e.status, { 'X-Request-Ref': ref })
}

export function catalogListRoute(entity: CatalogEntityName) {
  return apiKeyRoute('read', async ({ req }) => {
    const q = new URL(req.url).searchParams
    const opt = (k: string) => q.get(k)?.trim() || undefined
    return json(
      await listCatalog(prisma(), entity, {
        q: opt('q'),
        kind: opt('kind'),
        scope: opt('scope'),
        channel: opt('channel'),
        cursor: opt('cursor'),
        limit: pageSize(q.get('limit')),
      }),
    )
  })
}

export function catalogUpsertRoute(entity: CatalogEntityName) {
  return apiKeyRoute('catalog:write', async ({ req, principal, ref }) => {
    let body: unknown
    try {
      body = parseJsonText(await readTextLimited(req, MAX_CATALOG_BODY_BYTES))
    } catch (e) {
      if (e instanceof AppError && e.code !== 'INVALID_JSON') throw e
      throw new ValidationError(
        `${(e as Error).message} Send { "items": [ ... ] }, or a CSV file to /api/v1/catalog/${entity}/import.`,
        undefined,
        'INVALID_JSON',
      )
    }
    const items = (body as { items?: unknown } | null)?.items
    if (typeof body !== 'object' || body === null || !Array.isArray(items))
      throw new ValidationError(
        'The body must be { "items": [ ... ] } with 1 to 5,000 items.',
        undefined,
        'INVALID_BODY',
      )
    assertCatalogWriteAllowed(principal, entity, items)
    try {
      const report = await upsertCatalog(
        prisma(),
        CATALOG_ENTITIES[entity],
        actorOf(principal),
        items.map((raw) => ({ raw })),
        { dryRun: isDryRun(req), ref },
      )
      return json(report)
    } catch (e) {
      if (e instanceof CatalogRejectedError) return rejected(e, ref)
      throw e
    }
  })
}

/** The request body as a stream of chunks, refused past `limit` bytes without buffering the file. */
async function* bodyChunks(req: Request, limit: number): AsyncGenerator<Uint8Array> {
  const tooLarge = () =>
    new PayloadTooLargeError(`The file is larger than ${Math.round(limit / 1024 / 1024)} MiB; split it.`)
  if (Number(req.headers.get('content-length') ?? '0') > limit) throw tooLarge()
  if (!req.body) return
  const reader = req.body.getReader()
  let size = 0
  let done = false
  try {
    for (;;) {
      const r = await reader.read()
      if (r.done) {
        done = true
        return
      }
      size += r.value.byteLength
      if (size > limit) throw tooLarge()
      yield r.value
    }
  } finally {
    // Stopped early (a syntax error, row 5,001): drop the rest of the upload.
    if (!done) await reader.cancel().catch(() => {})
  }
}

export function catalogImportRoute(entity: CatalogEntityName) {
  return apiKeyRoute('catalog:write', async ({ req, principal, ref }) => {
    assertCatalogWriteAllowed(principal, entity, null)
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
    if (type !== 'text/csv')
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the file with "Content-Type: text/csv" (got "${type || 'none'}"); JSON items go to /api/v1/catalog/${entity}.`,
        415,
      )
    try {
      const report = await importCatalogCsv(
        prisma(),
        CATALOG_ENTITIES[entity],
        actorOf(principal),
        bodyChunks(req, MAX_CATALOG_BODY_BYTES),
        { dryRun: isDryRun(req), ref },
      )
      return json(report)
    } catch (e) {
      if (e instanceof CatalogRejectedError) return rejected(e, ref)
      throw e
    }
  })
}
