// EDI 846 lines to count events with the source's current settings and catalogue: shared by the
// inbox job, the file dry run and the replay of an 846 dead letter (which keeps its line, so a
// fix made after the file arrived, an alias, a default location, a unit conversion, applies).
import type { Db } from '../../db'
import { resolveCatalog } from '../resolve-catalog'
import { resolveEdi846Line, type Edi846Line, type Edi846Resolution, type Edi846Settings } from '../formats/edi846'
import { sourceSettings } from '../../sources/list-sources'

export async function resolveEdi846Lines(
  db: Db,
  source: string,
  lines: readonly Edi846Line[],
  settings?: Edi846Settings,
): Promise<Edi846Resolution[]> {
  if (lines.length === 0) return []
  const edi = settings ?? (await sourceSettings(db, source)).edi846
  const catalog = await resolveCatalog(
    db,
    source,
    lines.flatMap((l) => l.itemIds.map((p) => p.id)),
    [],
  )
  return lines.map((l) => resolveEdi846Line(l, edi, catalog, source))
}

/** A raw event that carries its 846 line (see Edi846CountEvent.x12), as kept in a dead letter. */
export function edi846LineOf(event: unknown): Edi846Line | null {
  const x12 = (event as { x12?: unknown } | null)?.x12 as Edi846Line | undefined
  return x12 &&
    typeof x12 === 'object' &&
    Array.isArray(x12.itemIds) &&
    Array.isArray(x12.quantities) &&
    typeof x12.idempotencyKey === 'string'
    ? x12
    : null
}

/** The raw event a refused line is kept as: replayable (it has a type) and resolvable again. */
export function unresolvedEdi846Event(line: Edi846Line): Record<string, unknown> {
  return {
    idempotencyKey: line.idempotencyKey,
    type: 'count',
    sku: line.itemIds[0]?.id ?? null,
    location: line.location?.id ?? null,
    reference: line.reference,
    x12: line,
  }
}

/**
 * Dead-lettered events as they are to be replayed: one that carries an 846 line is resolved again
 * (settings and aliases may have changed since); any other event is replayed as it was.
 */
export async function reviveFileEvents(
  db: Db,
  source: string,
  events: ReadonlyArray<Record<string, unknown>>,
): Promise<Array<{ ok: true; event: Record<string, unknown> } | { ok: false; code: string; message: string }>> {
  const lines = events.map(edi846LineOf)
  const toResolve = lines.filter((l): l is Edi846Line => l !== null)
  const resolved = await resolveEdi846Lines(db, source, toResolve)
  let k = 0
  return events.map((event, i) => {
    if (!lines[i]) return { ok: true as const, event }
    const r = resolved[k++]
    return r.ok
      ? { ok: true as const, event: { ...r.event } }
      : { ok: false as const, code: r.code, message: r.message }
  })
}
