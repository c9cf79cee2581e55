// What a catalogue upsert would do, item by item: the plan a dry run returns and a real run applies.
// Shared by every catalogue entity (SKUs, locations, aliases, units, listings).
import type { z } from 'zod'
import type { Db } from '../db'
import type { Prisma } from '@prisma/client'

export type CatalogAction = 'create' | 'update' | 'unchanged' | 'error'

/** One problem with one item: the field it concerns (JSON name) and a sentence that says how to fix it. */
export interface ItemProblem {
  field: string
  code: string
  message: string
}

export interface FieldChange {
  from: unknown
  to: unknown
}

/** One item of the report (same order as the request's items or the file's rows). */
export interface CatalogItemReport {
  /** 0-based position in `items` (JSON) or among the file's data rows (CSV). */
  index: number
  /** CSV only: the line the row starts on. */
  line?: number
  key: string
  action: CatalogAction
  changes?: Record<string, FieldChange>
  /** One sentence naming the item, the field and the fix; `problems` lists each one. */
  error?: string
  problems?: ItemProblem[]
}

export interface CatalogReport {
  dryRun: boolean
  /** True when the changes were written (never for a dry run or a request with an invalid item). */
  applied: boolean
  changes: { created: number; updated: number; unchanged: number; errors: number }
  items: CatalogItemReport[]
}

/** An item that passed its schema, with where it came from. */
export interface ParsedItem<I> {
  index: number
  line?: number
  input: I
}

/**
 * The planner's verdict on one item. `before`/`after` are full records in API terms (what GET
 * returns), used for the diff, the audit row and the write; `after` is absent for an error.
 */
export interface PlannedItem<R> {
  index: number
  line?: number
  key: string
  before: R | null
  after: R | null
  problems: ItemProblem[]
}

export interface ApplyResult {
  /** SKUs whose availability may have changed (kits containing them are added by markSkusDirty). */
  dirtySkuIds: string[]
}

/** One catalogue entity: how to parse, key, plan and write it. Framework-free; routes pick one by name. */
export interface CatalogEntity<I, R extends object> {
  name: CatalogEntityName
  /** AuditLog.entity, e.g. `sku`. */
  auditEntity: string
  schema: z.ZodType<I>
  /** The fields an item may have (for "unknown field" messages). */
  fields: string[]
  /** Advice for a field people send that the entity does not have (e.g. `uom` on an alias). */
  unknownFieldHints?: Record<string, string>
  /** The key for an item whose schema failed (best effort, for the report). */
  rawKey(raw: Record<string, unknown>): string
  key(input: I): string
  /**
   * Reads the current state and decides every item (no writes). Each problem names the fix.
   * Items arrive deduplicated by key and already schema-valid.
   */
  plan(db: Db, items: ParsedItem<I>[]): Promise<PlannedItem<R>[]>
  /** Writes the created and updated items (multi-row statements), inside the caller's transaction. */
  apply(tx: Prisma.TransactionClient, items: Array<PlannedItem<R> & { after: R }>): Promise<ApplyResult>
  /** Field-by-field comparison; the default compares JSON of each field of `after`. */
  diff?(before: R | null, after: R): Record<string, FieldChange>
  csv: CsvMapping
}

export interface CsvMapping {
  /** Columns the header must have. */
  required: string[]
  /** Every column the file may have (CSV name, lower case). */
  allowed: string[]
  /** CSV column for a JSON field, for messages. */
  columnOf(field: string): string
  /** Turns a row's cells into a raw item for the schema; an empty cell means "not given". */
  toRaw(values: Record<string, string>): Record<string, unknown>
}

export type CatalogEntityName = 'skus' | 'locations' | 'sku-aliases' | 'location-aliases' | 'units' | 'listings'

export function problem(field: string, code: string, message: string): ItemProblem {
  return { field, code, message }
}

/** Compares every field of `after` with `before` (JSON equality); all fields for a new record. */
export function diffRecords<R extends object>(before: R | null, after: R): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {}
  for (const [field, to] of Object.entries(after)) {
    const from = before ? (before as Record<string, unknown>)[field] : null
    if (before === null || JSON.stringify(from) !== JSON.stringify(to)) out[field] = { from: from ?? null, to }
  }
  return out
}

/** Keeps `current` for every field the input left out (upsert updates only what is sent). */
export function merge<R extends object>(current: R, given: Partial<R>): R {
  const out = { ...current }
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
