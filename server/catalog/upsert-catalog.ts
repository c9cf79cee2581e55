// The one use case behind every catalogue write (JSON batch or CSV import): parse each item,
// plan it against the current catalogue, and either report the plan (dry run) or apply it.
//
// All or nothing: a request with any invalid item applies nothing and reports every problem.
// Master data rows refer to each other (a kit to its components, an alias to its SKU, often in
// the same file), so applying the valid half of a file leaves a catalogue nobody asked for and
// makes the re-run of the fixed file a different change. Upserts are idempotent, so fixing the
// named rows and sending the whole file again is always safe. (Inventory events are the opposite
// case: independent facts, rejected one by one. See docs/api.md "Inventory events".)
//
// A real run plans and writes in one transaction under a catalogue-wide advisory lock, so the
// plan it reports is exactly what it wrote. It records one audit row per created or updated item,
// marks the SKUs whose numbers may move (and the kits containing them) for recompute and enqueues
// the recompute job, all in that transaction.
import type { PrismaClient, Prisma } from '@prisma/client'
import { transaction } from '../db'
import { ConflictError, PayloadTooLargeError, ValidationError } from '../errors'
import type { Actor } from '../audit/record-audit'
import { markSkusDirty } from '../availability/recompute-outbox'
import { enqueueRecompute } from '../queue/enqueue'
import { MAX_CATALOG_ITEMS } from './catalog.schema'
import {
  diffRecords,
  problem,
  type CatalogEntity,
  type CatalogItemReport,
  type CatalogReport,
  type ItemProblem,
  type ParsedItem,
  type PlannedItem,
} from './catalog-plan'

export interface RawCatalogItem {
  raw: unknown
  line?: number
}
export interface UpsertCatalogOptions {
  dryRun?: boolean
  ref?: string | null
  now?: Date
}

/** A real run with invalid items: nothing was written; `report` says what to fix. */
export class CatalogRejectedError extends ValidationError {
  constructor(readonly report: CatalogReport) {
    const n = report.changes.errors
    const first = report.items.find((i) => i.action === 'error')
    super(
      `${n} of ${report.items.length} item(s) are invalid, so nothing was applied; fix them and send the request again (first: ${first?.error ?? 'see items'}).`,
      undefined,
      'INVALID_ITEMS',
    )
  }
}

function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)), '')
}

function schemaProblems(
  entity: CatalogEntity<unknown, object>,
  issues: Array<{ code: string; path: PropertyKey[]; message: string; keys?: string[] }>,
): ItemProblem[] {
  return issues.flatMap((iss) => {
    if (iss.code === 'unrecognized_keys' && iss.keys) {
      const at = fieldPath(iss.path)
      return iss.keys.map((k) => {
        const field = at ? `${at}.${k}` : k
        const hint = at ? undefined : entity.unknownFieldHints?.[k]
        return problem(
          field,
          'UNKNOWN_FIELD',
          hint ??
            `unknown field "${k}"${at ? '' : `; the fields are ${entity.fields.join(', ')} (names are case-sensitive)`}`,
        )
      })
    }
    return [problem(fieldPath(iss.path), 'INVALID_VALUE', iss.message)]
  })
}

/** "items[3].price: ..." for JSON, "line 5, column price_cents: ..." for CSV. */
function describe(
  entity: CatalogEntity<unknown, object>,
  item: { index: number; line?: number },
  problems: ItemProblem[],
): string {
  return problems
    .map((p) => {
      if (item.line !== undefined) {
        const column = p.field ? entity.csv.columnOf(p.field.split(/[.[]/)[0]) : ''
        return `line ${item.line}${column ? `, column ${column}` : ''}: ${p.message}`
      }
      return `items[${item.index}]${p.field ? `.${p.field}` : ''}: ${p.message}`
    })
    .join('; ')
}

type FailedItem = { index: number; line?: number; key: string; problems: ItemProblem[] }

/**
 * The catalogue use case: validate each item, plan it against what is stored, then (unless a dry
 * run) apply all items or none, audited, with the SKUs they touch marked for recompute.
 */
export async function upsertCatalog<I, R extends object>(
  db: PrismaClient,
  entity: CatalogEntity<I, R>,
  actor: Actor,
  rawItems: RawCatalogItem[],
  opts: UpsertCatalogOptions = {},
): Promise<CatalogReport> {
  if (rawItems.length === 0) throw new ValidationError('There are no items: send 1 to 5,000.', undefined, 'EMPTY_BATCH')
  if (rawItems.length > MAX_CATALOG_ITEMS)
    throw new PayloadTooLargeError(
      `A request holds at most ${MAX_CATALOG_ITEMS} items (got ${rawItems.length}); split it.`,
    )
  const { failed, parsed } = parseItems(entity, rawItems)
  const report = (planned: PlannedItem<R>[]) => catalogReport(entity, failed, planned, opts.dryRun === true)
  if (opts.dryRun) return report(parsed.length ? await entity.plan(db, parsed) : [])

  try {
    return await transaction(db, async (tx) => {
      // Catalogue writes are rare; one at a time keeps plan and write consistent (no lost updates,
      // no unique-index races between two imports of overlapping files).
      await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('stocktower:catalog-write'))`)
      const planned = parsed.length ? await entity.plan(tx, parsed) : []
      const result = report(planned)
      if (result.changes.errors > 0) throw new CatalogRejectedError(result)
      const actionByIndex = new Map(result.items.map((i) => [i.index, i]))
      const changed = planned.filter(
        (p): p is PlannedItem<R> & { after: R } =>
          p.after !== null && actionByIndex.get(p.index)?.action !== 'unchanged',
      )
      if (changed.length === 0) return { ...result, applied: true }

      const { dirtySkuIds } = await entity.apply(tx, changed)
      await recordCatalogAudit(tx, actor, entity.auditEntity, changed, opts.ref ?? null)
      if (dirtySkuIds.length > 0) {
        await markSkusDirty(tx, dirtySkuIds, opts.now ?? new Date())
        await enqueueRecompute(tx)
      }
      return { ...result, applied: true }
    })
  } catch (err) {
    // The advisory lock serialises catalogue writers; another writer (the demo seed, a script)
    // can still race us on a unique index. Nothing was written: say so and invite a retry.
    if (
      /duplicate key value|unique constraint|P2002|23505/i.test(String((err as Error)?.message ?? '')) &&
      !(err instanceof ValidationError)
    ) {
      throw new ConflictError(
        'The catalogue changed while this request was applied (another writer created the same key); nothing was written. Send the request again.',
        'CATALOG_CONFLICT',
      )
    }
    throw err
  }
}

/** Each item against its schema; a key given twice is an error on the later copies. */
function parseItems<I, R extends object>(
  entity: CatalogEntity<I, R>,
  rawItems: RawCatalogItem[],
): { failed: FailedItem[]; parsed: ParsedItem<I>[] } {
  const e = entity as unknown as CatalogEntity<unknown, object>
  const failed: FailedItem[] = []
  const parsed: ParsedItem<I>[] = []
  const firstByKey = new Map<string, { index: number; line?: number }>()
  rawItems.forEach(({ raw, line }, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      failed.push({
        index,
        line,
        key: '',
        problems: [problem('', 'INVALID_ITEM', `each item must be an object with ${entity.fields.join(', ')}`)],
      })
      return
    }
    const r = entity.schema.safeParse(raw)
    if (!r.success) {
      failed.push({
        index,
        line,
        key: entity.rawKey(raw as Record<string, unknown>),
        problems: schemaProblems(e, r.error.issues as never),
      })
      return
    }
    const key = entity.key(r.data)
    const first = firstByKey.get(key)
    if (first) {
      failed.push({
        index,
        line,
        key,
        problems: [
          problem(
            '',
            'DUPLICATE_KEY',
            `${key} is already given at ${first.line !== undefined ? `line ${first.line}` : `items[${first.index}]`}; give each ${entity.auditEntity.replace(/_/g, ' ')} once`,
          ),
        ],
      })
      return
    }
    firstByKey.set(key, { index, line })
    parsed.push({ index, line, input: r.data })
  })
  return { failed, parsed }
}

/** The report of a plan: one row per item in input order (error, create, update or unchanged) and the counts. */
function catalogReport<I, R extends object>(
  entity: CatalogEntity<I, R>,
  failed: FailedItem[],
  planned: PlannedItem<R>[],
  dryRun: boolean,
): CatalogReport {
  const e = entity as unknown as CatalogEntity<unknown, object>
  const items: CatalogItemReport[] = [
    ...failed.map((f) => ({
      index: f.index,
      line: f.line,
      key: f.key,
      action: 'error' as const,
      error: describe(e, f, f.problems),
      problems: f.problems,
    })),
    ...planned.map((p): CatalogItemReport => {
      if (p.problems.length > 0 || !p.after)
        return {
          index: p.index,
          line: p.line,
          key: p.key,
          action: 'error',
          error: describe(e, p, p.problems),
          problems: p.problems,
        }
      const changes = (entity.diff ?? diffRecords)(p.before, p.after)
      const action = p.before === null ? 'create' : Object.keys(changes).length > 0 ? 'update' : 'unchanged'
      return { index: p.index, line: p.line, key: p.key, action, ...(action === 'unchanged' ? {} : { changes }) }
    }),
  ].sort((a, b) => a.index - b.index)
  const count = (a: string) => items.filter((i) => i.action === a).length
  return {
    dryRun,
    applied: false,
    changes: {
      created: count('create'),
      updated: count('update'),
      unchanged: count('unchanged'),
      errors: count('error'),
    },
    items: items.map((i) => (i.line === undefined ? (({ line: _line, ...rest }) => rest)(i) : i)),
  }
}

/**
 * One audit row per created or updated item (the fields recordAudit writes), in one multi-row
 * statement: a batch may hold 5,000 items, and a round trip each would dominate the request.
 */
async function recordCatalogAudit<R extends object>(
  tx: Prisma.TransactionClient,
  actor: Actor,
  entity: string,
  items: Array<PlannedItem<R> & { after: R }>,
  ref: string | null,
): Promise<void> {
  await tx.$executeRawUnsafe(
    `INSERT INTO "AuditLog"("actorKind", "actorId", "actorLabel", action, entity, "entityId", before, after, ref)
     SELECT $1, $2, $3, x.action, $4, x.eid, x.b::jsonb, x.a::jsonb, $5
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS x(action, eid, b, a)`,
    actor.kind,
    actor.id,
    actor.label,
    entity,
    ref,
    items.map((i) => `catalog.${entity}.${i.before === null ? 'create' : 'update'}`),
    items.map((i) => i.key),
    items.map((i) => (i.before === null ? null : JSON.stringify(i.before))),
    items.map((i) => JSON.stringify(i.after)),
  )
}
