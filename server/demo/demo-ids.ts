// Ids the demo's Shopify store gives its inventory items. A real store assigns its own and the
// seller maps them per SKU; the demo's store (simulators/shopify.ts) derives them from the SKU, and
// the demo's channel listings are seeded with the same ids, so what we publish lands on the SKU's
// own item. One function, used by both.
import { createHash } from 'node:crypto'

export function demoShopifyInventoryItemGid(sku: string): string {
  const digest = createHash('sha256').update(`stocktower-sim:${sku}`).digest()
  // 48 bits keeps ids well inside Number.MAX_SAFE_INTEGER, like real Shopify ids; +1 avoids 0.
  const id = digest.readUIntBE(0, 6) + 1
  return `gid://shopify/InventoryItem/${id}`
}
