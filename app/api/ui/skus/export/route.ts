import { userRoute } from '@/app/_lib/api'
import { csvResponse } from '@/app/_lib/csv'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { parseSkuSort, skuRows, type SkuSearch } from '@/server/availability/search-skus'
import { csvField } from '@/server/paging/csv'

export const dynamic = 'force-dynamic'

/** Every SKU matching the explorer's filters, with stock and per channel decided / shown / state. */
export const GET = userRoute('inventory:view', async ({ req }) => {
  const p = new URL(req.url).searchParams
  const status = p.get('status') || undefined
  const kind = p.get('kind') || undefined
  if (status && status !== 'out_of_sync' && status !== 'failing')
    throw new ValidationError('"status" must be out_of_sync or failing.', undefined, 'INVALID_FILTER')
  if (kind && kind !== 'kit' && kind !== 'item')
    throw new ValidationError('"kind" must be kit or item.', undefined, 'INVALID_FILTER')
  const filter: Omit<SkuSearch, 'limit' | 'after'> = {
    q: p.get('q')?.slice(0, 100) || undefined,
    category: p.get('category')?.slice(0, 100) || undefined,
    status: status as SkuSearch['status'],
    kind: kind as SkuSearch['kind'],
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
    sort: parseSkuSort(p.get('sort'), p.get('order') === 'desc' ? 'desc' : 'asc'),
    channel: p.get('channel')?.slice(0, 100) || undefined,
  }
  async function* lines(): AsyncGenerator<string> {
    let after: string | null = null
    let channels: string[] | null = null
    for (let n = 0; n < 100_000;) {
      const page = await skuRows(prisma(), { ...filter, after, limit: 200 })
      if (!channels) {
        channels = page.channels
        yield `${['sku', 'name', 'category', 'kit', 'onHand', 'sellable', ...channels.flatMap((c) => [`${c}_decided`, `${c}_shows`, `${c}_state`])].join(',')}\n`
      }
      const cs = channels
      yield page.items
        .map(
          (r) =>
            `${[r.sku, r.name, r.category, r.isKit, r.onHand, r.sellable, ...cs.flatMap((c) => [r.channels[c]?.desired ?? '', r.channels[c]?.applied ?? '', r.channels[c]?.state ?? ''])].map(csvField).join(',')}\n`,
        )
        .join('')
      n += page.items.length
      if (!page.nextAfter) return
      after = page.nextAfter
    }
  }
  return csvResponse(lines(), 'skus')
})
