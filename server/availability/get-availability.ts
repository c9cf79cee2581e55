// GET /api/v1/availability/{sku}: positions per location and the three quantities per channel.
import type { Db } from '../db'
import { NotFoundError } from '../errors'
import { quantitiesOf, sellable, type PositionQuantities } from '../positions/apply-event'

export interface AvailabilityView {
  sku: string
  name: string
  category: string
  kit: { components: Array<{ sku: string; quantity: number }> } | null
  locations: Array<{ location: string } & PositionQuantities & { sellable: number; updatedAt: string | null }>
  channels: Array<{
    channel: string
    externalSku: string
    desired: number | null
    desiredVersion: number
    decidedAt: string | null
    published: number | null
    publishedVersion: number | null
    publishedAt: string | null
    applied: number | null
    appliedAt: string | null
    pendingSince: string | null
    lastError: string | null
  }>
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null)

export async function getAvailability(db: Db, skuCode: string): Promise<AvailabilityView> {
  const sku = await db.sku.findUnique({
    where: { code: skuCode },
    include: {
      components: { include: { component: { select: { code: true } } } },
      positions: { include: { location: { select: { code: true } } } },
      listings: { include: { channel: { select: { code: true } } } },
    },
  })
  if (!sku) throw new NotFoundError(`Unknown SKU "${skuCode}".`, 'UNKNOWN_SKU')
  const locations = await db.location.findMany({ where: { active: true }, orderBy: { code: 'asc' } })
  return {
    sku: sku.code,
    name: sku.name,
    category: sku.category,
    kit: sku.isKit
      ? { components: sku.components.map((c) => ({ sku: c.component.code, quantity: c.quantity })) }
      : null,
    locations: locations.map((l) => {
      const p = sku.positions.find((x) => x.locationId === l.id)
      const q = quantitiesOf(p)
      return { location: l.code, ...q, sellable: sellable(q), updatedAt: iso(p?.updatedAt) }
    }),
    channels: sku.listings
      .filter((l) => l.active)
      .sort((a, b) => (a.channel.code < b.channel.code ? -1 : 1))
      .map((l) => ({
        channel: l.channel.code,
        externalSku: l.externalSku,
        desired: l.desiredQuantity,
        desiredVersion: l.desiredVersion,
        decidedAt: iso(l.decidedAt),
        published: l.publishedVersion > 0 ? l.publishedQuantity : null,
        publishedVersion: l.publishedVersion > 0 ? l.publishedVersion : null,
        publishedAt: iso(l.publishedAt),
        applied: l.appliedVersion > 0 ? l.appliedQuantity : null,
        appliedAt: iso(l.appliedAt),
        pendingSince: iso(l.pendingSince),
        lastError: l.lastError,
      })),
  }
}
