import type { Db } from '../db'
import { enqueueRecompute } from '../queue/enqueue'
import { markScopeDirty } from '../availability/recompute-outbox'

/** Marks the SKUs a holdback covers, and kits built from them, for recompute. Returns how many. */
export async function markHoldbackSkusDirty(
  tx: Db,
  h: { skuCode: string | null; category: string | null },
): Promise<number> {
  const n = await markScopeDirty(
    tx,
    { skuCodes: h.skuCode ? [h.skuCode] : [], categories: h.category ? [h.category] : [] },
    new Date(),
  )
  await enqueueRecompute(tx)
  return n
}
