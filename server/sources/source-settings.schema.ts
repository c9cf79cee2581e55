// A source's settings (docs/api.md "Sources and channels"): how this sender writes the files it
// drops in the inbox. Parsed with zod wherever they enter (PUT /api/v1/sources/{code}, Settings)
// and again when read back, so a file is always read with a complete, valid configuration.
import { z } from 'zod'
import { describeIssues } from '../errors'

export const SOURCE_KINDS = ['erp', 'wms', '3pl', 'supplier', 'channel'] as const
export type SourceKind = (typeof SOURCE_KINDS)[number]

/** The API event fields (docs/api.md "Inventory events") a file column can fill. */
export const EVENT_FIELDS = [
  'idempotencyKey',
  'type',
  'sku',
  'location',
  'quantity',
  'uom',
  'occurredAt',
  'sourceSeq',
  'reference',
  'toLocation',
] as const
export type EventField = (typeof EVENT_FIELDS)[number]

/** Date formats a column may be written in; times (` HH:MM[:SS]`) may follow and are UTC. */
export const DATE_FORMATS = ['iso', 'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY', 'YYYYMMDD'] as const
export type DateFormat = (typeof DATE_FORMATS)[number]

const LOCATION = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\u0000-\u001f]+$/, 'a location code has no control characters')
const QUALIFIER = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{1,3}$/, 'an X12 quantity qualifier is 1 to 3 letters or digits (17, 33, QH, ...)')

export const Edi846SettingsSchema = z
  .object({
    /** QTY01 qualifiers that become a count, earlier = preferred. */
    quantityQualifiers: z
      .array(QUALIFIER)
      .min(1, 'name at least one quantity qualifier')
      .max(20)
      .default(['17'])
      .refine((q) => new Set(q).size === q.length, 'a qualifier is listed twice'),
    /** Where a LIN goes when nothing in the file names a location (the sender is the location). */
    defaultLocation: LOCATION.nullable().default(null),
  })
  .strict()

/** Text PostgreSQL can store (no NUL) and people can read (no other control characters but tab). */
export const PLAIN_TEXT = /^[^\u0000-\u0008\u000a-\u001f]*$/
const FIXED_VALUE = z.union([
  z.string().trim().min(1).max(256).regex(PLAIN_TEXT, 'no control characters'),
  z.number().finite(),
])

/** A column map for files that are not in Stocktower's own column names (an ERP's stock export). */
const MappingShape = {
  /** File column (header, compared trimmed and case-insensitively) to the event field it fills. */
  columns: z
    .record(
      z.string().trim().min(1).max(200).regex(PLAIN_TEXT, 'a column name has no control characters'),
      z.enum(EVENT_FIELDS),
    )
    .optional()
    .refine((m) => !m || new Set(Object.values(m)).size === Object.values(m).length, 'two columns fill the same field')
    .refine((m) => !m || Object.keys(m).length <= 64, 'at most 64 mapped columns'),
  /** Values every row gets, e.g. { "type": "count" } for a stock export. */
  fixed: z.partialRecord(z.enum(EVENT_FIELDS), FIXED_VALUE).optional(),
  decimalSeparator: z.enum(['.', ',']).default('.'),
  dateFormat: z.enum(DATE_FORMATS).default('iso'),
}

export const CsvSettingsSchema = z
  .object({ ...MappingShape, delimiter: z.enum([',', ';', '\t', '|']).default(',') })
  .strict()
export const NdjsonSettingsSchema = z.object(MappingShape).strict()

export const SourceSettingsSchema = z
  .object({
    edi846: Edi846SettingsSchema.default({ quantityQualifiers: ['17'], defaultLocation: null }),
    csv: CsvSettingsSchema.default({ delimiter: ',', decimalSeparator: '.', dateFormat: 'iso' }),
    ndjson: NdjsonSettingsSchema.default({ decimalSeparator: '.', dateFormat: 'iso' }),
  })
  .strict()

export type SourceSettings = z.infer<typeof SourceSettingsSchema>
export type Edi846Settings = z.infer<typeof Edi846SettingsSchema>
export type CsvSettings = z.infer<typeof CsvSettingsSchema>
export type NdjsonSettings = z.infer<typeof NdjsonSettingsSchema>
export type FileMapping = CsvSettings | NdjsonSettings

export const DEFAULT_SOURCE_SETTINGS: SourceSettings = SourceSettingsSchema.parse({})

/**
 * Stored settings to a complete configuration. A stored value that no longer parses (written by an
 * older version) falls back to the defaults for that part only, and says so.
 */
export function readStoredSettings(stored: unknown): { settings: SourceSettings; problems: string[] } {
  const obj =
    typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {}
  const problems: string[] = []
  const part = <S extends z.ZodType>(name: string, schema: S, fallback: z.infer<S>): z.infer<S> => {
    if (obj[name] === undefined) return fallback
    const r = schema.safeParse(obj[name])
    if (r.success) return r.data
    problems.push(`${name}: ${describeIssues(r.error.issues, { root: name })}`)
    return fallback
  }
  return {
    settings: {
      edi846: part('edi846', Edi846SettingsSchema, DEFAULT_SOURCE_SETTINGS.edi846),
      csv: part('csv', CsvSettingsSchema, DEFAULT_SOURCE_SETTINGS.csv),
      ndjson: part('ndjson', NdjsonSettingsSchema, DEFAULT_SOURCE_SETTINGS.ndjson),
    },
    problems,
  }
}
