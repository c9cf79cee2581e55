// Holdbacks: suppress a SKU or a category on a channel (or every channel), or hold back N units or
// a percentage, with a reason, an owner and an optional expiry. The input a person sends and the
// view every holdback use case and read returns.
import { z } from 'zod'

export const HoldbackInputSchema = z
  .object({
    sku: z.string().min(1).max(200).optional(),
    category: z.string().min(1).max(200).optional(),
    /** Absent: every channel. */
    channel: z.string().min(1).max(100).optional(),
    mode: z.enum(['suppress', 'units', 'percent']),
    value: z.number().int().min(0).max(1_000_000_000).default(0),
    reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
    owner: z.string().trim().max(200).optional(),
    expiresAt: z.coerce.date().optional(),
  })
  .superRefine((h, ctx) => {
    if (!h.sku === !h.category)
      ctx.addIssue({ code: 'custom', path: ['sku'], message: 'give exactly one of "sku" or "category"' })
    if (h.mode === 'percent' && (h.value < 1 || h.value > 100))
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a percentage holdback is 1 to 100' })
    if (h.mode === 'units' && h.value < 1)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'hold back at least 1 unit' })
  })
export type HoldbackInput = z.input<typeof HoldbackInputSchema>

export interface HoldbackView {
  id: string
  sku: string | null
  category: string | null
  channel: string | null
  mode: string
  value: number
  reason: string
  owner: string
  createdBy: string
  createdAt: string
  expiresAt: string | null
  state: 'active' | 'expired' | 'removed'
  removedAt: string | null
  removedBy: string | null
  removeReason: string | null
}

export type HoldbackRow = {
  id: string
  skuCode: string | null
  category: string | null
  channel: string | null
  mode: string
  value: number
  reason: string
  ownerLabel: string
  createdBy: string
  createdAt: Date
  expiresAt: Date | null
  removedAt: Date | null
  removedBy: string | null
  removeReason: string | null
}

export function holdbackView(r: HoldbackRow, now = new Date()): HoldbackView {
  const state = r.removedAt ? 'removed' : r.expiresAt && r.expiresAt <= now ? 'expired' : 'active'
  return {
    id: r.id,
    sku: r.skuCode,
    category: r.category,
    channel: r.channel,
    mode: r.mode,
    value: r.value,
    reason: r.reason,
    owner: r.ownerLabel,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    state,
    removedAt: r.removedAt?.toISOString() ?? null,
    removedBy: r.removedBy,
    removeReason: r.removeReason,
  }
}
