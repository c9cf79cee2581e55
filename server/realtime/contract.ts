// The realtime contract, written once: the rooms a browser may watch and the thin events sent to
// them (what changed, ids; never data). Workers and the web process emit through
// server/realtime/publisher.ts, the socket server checks room names with ROOM_PATTERN, and the
// browser hook (components/realtime/use-realtime.ts) validates every payload with EVENT_PAYLOADS.
// Framework-free and dependency-free but zod, so the browser bundle can import it.
//
// Adding an event: add its payload schema to EVENT_PAYLOADS (the type follows), emit it with
// emitRealtime, and invalidate react-query keys for it in the components that show its data.
import { z } from 'zod'

/** Longest SKU and channel codes the catalogue accepts (server/catalog/catalog.schema.ts). */
const MAX_CODE = 100

export const ROOMS = {
  dashboard: 'dashboard',
  sku: (code: string) => `sku:${code}`,
  channel: (code: string) => `channel:${code}`,
  deadLetters: 'dead-letters',
  findings: 'findings',
  kpis: 'kpis',
} as const

/**
 * Every room name: the fixed rooms, or `sku:` / `channel:` followed by any code the catalogue
 * accepts (1 to 100 characters, no control characters).
 */
export const ROOM_PATTERN = new RegExp(
  `^(dashboard|dead-letters|kpis|findings|(sku|channel):[^\\u0000-\\u001f\\u007f]{1,${MAX_CODE}})$`,
  'u',
)

export const EVENT_PAYLOADS = {
  /** Listings moved (decided, sent, applied). */
  'listings.changed': z.object({ skus: z.array(z.string()), channels: z.array(z.string()) }),
  'channel.updated': z.object({ channel: z.string() }),
  /** Positions moved (events applied); decisions may follow as listings.changed. */
  'stock.changed': z.object({ skus: z.array(z.string()) }),
  'dead-letters.changed': z.object({ kind: z.enum(['ingest', 'publish']) }),
  /** Oversell incidents or SLO state changed: KPI tiles refetch. */
  'kpis.changed': z.object({ reason: z.enum(['oversell', 'slo']) }),
  /** Findings opened or resolved (drift, variance, exception). */
  'findings.changed': z.object({ kind: z.string() }),
} as const

export type RealtimeEventName = keyof typeof EVENT_PAYLOADS
export type RealtimeEvents = { [E in RealtimeEventName]: z.infer<(typeof EVENT_PAYLOADS)[E]> }
export const EVENT_NAMES = Object.keys(EVENT_PAYLOADS) as RealtimeEventName[]
