// Channel listings: which SKUs a channel sells, under which seller SKU (`externalSku`, unique per
// channel) and channel id. Creating, switching on or off, or re-mapping a listing marks its SKU for
// recompute, so the listing gets (or drops) a desired quantity and the publisher follows.
// Only the mapping is written here; the quantity and version columns belong to recompute/publish.
import type { Prisma } from '@prisma/client'
import type { Db } from '../db'
import { ListingInputSchema, csvBool, csvText, type ListingInput } from './catalog.schema'
import { merge, problem, type CatalogEntity, type ItemProblem, type ParsedItem, type PlannedItem } from './catalog-plan'

export interface ListingRecord {
  channel: string
  sku: string
  externalSku: string
  externalId: string | null
  active: boolean
}

export const listingKey = (channel: string, sku: string) => `${channel}/${sku}`

async function planListings(db: Db, items: ParsedItem<ListingInput>[]): Promise<PlannedItem<ListingRecord>[]> {
  const { channels, skus } = await knownCodes(db, items)
  const current = await db.$queryRawUnsafe<ListingRecord[]>(
    `SELECT c.code AS channel, s.code AS sku, l."externalSku", l."externalId", l.active
       FROM "ChannelListing" l JOIN "Channel" c ON c.id = l."channelId" JOIN "Sku" s ON s.id = l."skuId"
       JOIN unnest($1::text[], $2::text[]) AS k(ch, sku) ON c.code = k.ch AND s.code = k.sku`,
    items.map((i) => i.input.channel),
    items.map((i) => i.input.sku),
  )
  const existing = new Map(current.map((r) => [listingKey(r.channel, r.sku), r]))

  const drafts = items.map(({ index, line, input }) => {
    const key = listingKey(input.channel, input.sku)
    const before = existing.get(key) ?? null
    const after = merge<ListingRecord>(
      before ?? { channel: input.channel, sku: input.sku, externalSku: input.sku, externalId: null, active: true },
      { externalSku: input.externalSku, externalId: input.externalId, active: input.active },
    )
    const problems: ItemProblem[] = []
    if (!channels.has(input.channel))
      problems.push(
        problem(
          'channel',
          'UNKNOWN_CHANNEL',
          `unknown channel ${input.channel}; channels are added by an admin in the app, or fix the code`,
        ),
      )
    if (!skus.has(input.sku))
      problems.push(
        problem(
          'sku',
          'UNKNOWN_SKU',
          `unknown SKU ${input.sku}; create it first (POST /api/v1/catalog/skus) or fix the code`,
        ),
      )
    return { index, line, key, before, after, problems }
  })

  await checkExternalSkusFree(db, drafts)
  return drafts.map((d) => ({ ...d, after: d.problems.length ? null : d.after }))
}

/** Which of the items' channels and SKUs exist. */
async function knownCodes(
  db: Db,
  items: ParsedItem<ListingInput>[],
): Promise<{ channels: Set<string>; skus: Set<string> }> {
  const channels = new Set(
    (
      await db.channel.findMany({
        where: { code: { in: [...new Set(items.map((i) => i.input.channel))] } },
        select: { code: true },
      })
    ).map((c) => c.code),
  )
  const skus = new Set(
    (
      await db.sku.findMany({
        where: { code: { in: [...new Set(items.map((i) => i.input.sku))] } },
        select: { code: true },
      })
    ).map((s) => s.code),
  )
  return { channels, skus }
}

/**
 * A seller SKU maps to one listing per channel, judged on the state after this request: a
 * listing this request moves to another seller SKU frees its old one.
 */
async function checkExternalSkusFree(
  db: Db,
  drafts: Array<{ key: string; after: ListingRecord; problems: ItemProblem[] }>,
): Promise<void> {
  const finalExternal = new Map<string, string>()
  for (const d of drafts) finalExternal.set(d.key, d.after.externalSku)
  const holders = await db.$queryRawUnsafe<Array<{ channel: string; externalSku: string; sku: string }>>(
    `SELECT c.code AS channel, l."externalSku", s.code AS sku
       FROM "ChannelListing" l JOIN "Channel" c ON c.id = l."channelId" JOIN "Sku" s ON s.id = l."skuId"
       JOIN unnest($1::text[], $2::text[]) AS k(ch, ext) ON c.code = k.ch AND l."externalSku" = k.ext`,
    drafts.map((d) => d.after.channel),
    drafts.map((d) => d.after.externalSku),
  )
  const claimed = new Map<string, string>()
  for (const h of holders) {
    const k = listingKey(h.channel, h.sku)
    if (!finalExternal.has(k) || finalExternal.get(k) === h.externalSku)
      claimed.set(`${h.channel}\u0000${h.externalSku}`, h.sku)
  }
  for (const d of drafts) {
    const slot = `${d.after.channel}\u0000${d.after.externalSku}`
    const holder = claimed.get(slot)
    if (holder !== undefined && holder !== d.after.sku) {
      d.problems.push(
        problem(
          'externalSku',
          'EXTERNAL_SKU_TAKEN',
          `${d.after.channel} already maps seller SKU "${d.after.externalSku}" to ${holder}; give another externalSku, or re-map ${holder}'s listing in the same request`,
        ),
      )
    } else claimed.set(slot, d.after.sku)
  }
}

async function applyListings(
  tx: Prisma.TransactionClient,
  items: Array<PlannedItem<ListingRecord> & { after: ListingRecord }>,
): Promise<{ dirtySkuIds: string[] }> {
  // Park the seller SKUs that move first, so swapping two listings' seller SKUs in one request
  // cannot trip the (channel, externalSku) unique index halfway through the upsert.
  const moving = items.filter((i) => i.before && i.before.externalSku !== i.after.externalSku)
  if (moving.length > 0) {
    await tx.$executeRawUnsafe(
      `UPDATE "ChannelListing" l SET "externalSku" = l."externalSku" || ' (moving ' || l.id::text || ')'
         FROM unnest($1::text[], $2::text[]) AS k(ch, sku), "Channel" c, "Sku" s
        WHERE c.code = k.ch AND s.code = k.sku AND l."channelId" = c.id AND l."skuId" = s.id`,
      moving.map((i) => i.after.channel),
      moving.map((i) => i.after.sku),
    )
  }
  const rows = items.map((i) => i.after)
  const upserted = await tx.$queryRawUnsafe<Array<{ skuId: string }>>(
    `INSERT INTO "ChannelListing"(id, "channelId", "skuId", "externalSku", "externalId", active)
     SELECT gen_random_uuid(), c.id, s.id, x.ext, x.eid, x.a
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::boolean[]) AS x(ch, sku, ext, eid, a)
       JOIN "Channel" c ON c.code = x.ch JOIN "Sku" s ON s.code = x.sku
     ON CONFLICT ("channelId", "skuId") DO UPDATE SET "externalSku" = EXCLUDED."externalSku", "externalId" = EXCLUDED."externalId", active = EXCLUDED.active
     RETURNING "skuId"::text AS "skuId"`,
    rows.map((r) => r.channel),
    rows.map((r) => r.sku),
    rows.map((r) => r.externalSku),
    rows.map((r) => r.externalId),
    rows.map((r) => r.active),
  )
  return { dirtySkuIds: [...new Set(upserted.map((u) => u.skuId))] }
}

const CSV_COLUMNS: Record<string, string> = {
  channel: 'channel',
  sku: 'sku',
  externalSku: 'external_sku',
  externalId: 'external_id',
  active: 'active',
}

export const listingEntity: CatalogEntity<ListingInput, ListingRecord> = {
  name: 'listings',
  auditEntity: 'channel_listing',
  schema: ListingInputSchema,
  fields: Object.keys(CSV_COLUMNS),
  rawKey: (raw) => listingKey(String(raw.channel ?? ''), String(raw.sku ?? '')),
  key: (i) => listingKey(i.channel, i.sku),
  plan: planListings,
  apply: applyListings,
  csv: {
    required: ['channel', 'sku'],
    allowed: Object.values(CSV_COLUMNS),
    columnOf: (f) => CSV_COLUMNS[f] ?? f,
    toRaw: (v) => ({
      channel: csvText(v.channel),
      sku: csvText(v.sku),
      externalSku: csvText(v.external_sku),
      externalId: csvText(v.external_id),
      active: csvBool(v.active),
    }),
  },
}
