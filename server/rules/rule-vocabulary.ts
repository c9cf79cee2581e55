// What rule editors choose from: channels, locations and the SKU categories in use. One query per
// fact, shared by the Rules and Holdbacks screens.
import type { Db } from '../db'

export interface RuleVocabulary {
  channels: Array<{ code: string; name: string; mode: string; status: string }>
  locations: Array<{ code: string; name: string }>
  categories: string[]
}

/** Categories of active SKUs (at most 500, alphabetical). */
export async function listSkuCategories(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ category: string }>>(
    `SELECT DISTINCT category FROM "Sku" WHERE active AND category IS NOT NULL ORDER BY category LIMIT 500`,
  )
  return rows.map((r) => r.category)
}

/** Every channel code, alphabetical (filters and pickers). */
export async function listChannelCodes(db: Db): Promise<string[]> {
  const rows = await db.channel.findMany({ orderBy: { code: 'asc' }, select: { code: true } })
  return rows.map((c) => c.code)
}

export async function getRuleVocabulary(db: Db): Promise<RuleVocabulary> {
  const [channels, locations, categories] = await Promise.all([
    db.channel.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, mode: true, status: true } }),
    db.location.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true } }),
    listSkuCategories(db),
  ])
  return { channels, locations, categories }
}
