// Who may write what for which source. A key bound to a source (ApiKey.boundSource) speaks only
// for that source: its events, its own aliases, and, when the source is a channel, that channel's
// orders. A signed webhook is bound to the source whose secret signed it. And a source's kind
// decides which door its credentials open: a channel's secret is not an ERP's.
import type { Db } from '../db'
import { ForbiddenError } from '../errors'
import type { ApiPrincipal } from './authenticate-api-key'

export type IngestDoor = 'inventory' | 'channel'

/** `ingest:erp` is the inventory door (events); `ingest:channel:<code>` the orders door. */
export function ingestDoorOf(scope: string): IngestDoor {
  return scope.startsWith('ingest:channel:') ? 'channel' : 'inventory'
}

/**
 * The source a request names must be of the door's kind: events never come from a `channel`
 * source, orders (and channel webhooks) only from one. An unknown source is not refused here
 * (ingest records its events under that name, CONTRACT), except on the channel door for a signed
 * sender, whose secret had to come from a known source anyway.
 */
export async function assertSourceKindForDoor(db: Db, sourceCode: string, door: IngestDoor): Promise<void> {
  const source = await db.source.findUnique({ where: { code: sourceCode }, select: { kind: true } })
  if (!source) return
  if (door === 'inventory' && source.kind === 'channel') {
    throw new ForbiddenError(
      `"${sourceCode}" is a channel source: its credentials send channel orders, not inventory events.`,
    )
  }
  if (door === 'channel' && source.kind !== 'channel') {
    throw new ForbiddenError(
      `"${sourceCode}" is a ${source.kind} source: its credentials send inventory events, not channel orders.`,
    )
  }
}

/** A bound principal may only write for its own source (`named`: the source or channel the request writes for). */
export function assertBoundTo(principal: ApiPrincipal, named: string | null, what: string): void {
  if (!principal.boundSource) return
  if (named !== principal.boundSource) {
    throw new ForbiddenError(
      `This ${principal.keyId.startsWith('source:') ? 'signed sender' : 'API key'} is bound to source "${principal.boundSource}" and may not ${what}${named ? ` for "${named}"` : ''}.`,
    )
  }
}

/**
 * Catalog writes by a bound key: only aliases scoped to its own source. SKUs, locations, units and
 * listings are shared by every source and channel (a rename there changes everyone's data), and
 * a `*` alias applies to every source, so those need an unbound key.
 */
export function assertCatalogWriteAllowed(principal: ApiPrincipal, entity: string, items: unknown[] | null): void {
  if (!principal.boundSource) return
  if (entity !== 'sku-aliases' && entity !== 'location-aliases') {
    throw new ForbiddenError(
      `This API key is bound to source "${principal.boundSource}": it may write only its own aliases, not ${entity}.`,
    )
  }
  if (items === null) {
    throw new ForbiddenError(
      `This API key is bound to source "${principal.boundSource}": send its aliases as JSON items to POST /api/v1/catalog/${entity}, not as a CSV import.`,
    )
  }
  const foreign = items
    .map((it, i) => ({ i, scope: (it as { scope?: unknown } | null)?.scope }))
    .filter((x) => x.scope !== principal.boundSource)
  if (foreign.length) {
    throw new ForbiddenError(
      `This API key is bound to source "${principal.boundSource}" and may write only aliases with "scope": "${principal.boundSource}" (items ${foreign
        .slice(0, 10)
        .map((x) => x.i)
        .join(', ')}${foreign.length > 10 ? ', ...' : ''} name another scope).`,
    )
  }
}
