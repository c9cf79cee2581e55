// A received snapshot (receive-snapshot.ts), processed by the worker: its stored upload is read back
// row by row, resolved rows are staged in batches, then compared with positions in one statement
// (full or partial, as of the snapshot's time); small variances may be corrected at once.
import type { Db } from '../db'
import { transaction } from '../db'
import type { PrismaClient, Snapshot } from '@prisma/client'
import { readRaw } from '../ingest/raw-store'
import { readCsvRows, CsvSyntaxError } from '../ingest/formats/csv'
import { readNdjson } from '../ingest/formats/ndjson'
import {
  parseSnapshotRow,
  SNAPSHOT_CSV_ALLOWED_COLUMNS,
  SNAPSHOT_CSV_REQUIRED_COLUMNS,
} from '../ingest/formats/snapshot-rows'
import { resolveCatalog } from '../ingest/resolve-catalog'
import { emitIngestDeadLettersChanged, recordIngestDeadLetters } from '../ingest/dead-letters.repository'
import { emitRealtime, ROOMS } from '../realtime/publisher'
import { applySnapshotCorrections } from './apply-corrections'
import type { SnapshotMode } from './receive-snapshot'

const FIELDS = ['onHand', 'quarantined', 'damaged', 'allocated'] as const
const STAGE_BATCH = 5000
interface StagedRow {
  line: number
  skuId: string
  locationId: string
  onHand: number | null
  quarantined: number | null
  damaged: number | null
  allocated: number | null
}

/**
 * Reads the stored upload, stages rows and compares. Safe to run again after a crash: it starts
 * over from the raw text, replacing what an interrupted run staged.
 */
export async function processSnapshot(
  db: PrismaClient,
  snapshotId: string,
  opts: { onProgress?: (processed: number) => void } = {},
): Promise<{ status: string; findings: number; rejectedRows: number }> {
  const snap = await db.snapshot.findUnique({ where: { id: snapshotId } })
  if (!snap) return { status: 'missing', findings: 0, rejectedRows: 0 }
  if (snap.status !== 'running')
    return { status: snap.status, findings: snap.findings, rejectedRows: snap.rejectedRows }
  if (!snap.messageId) return fail(db, snapshotId, 'The snapshot has no stored upload.')
  await restartStaging(db, snapshotId, snap.messageId)
  let staged: { processed: number; rejectedRows: number }
  try {
    staged = await stageUpload(db, snap, snap.messageId, opts.onProgress)
  } catch (e) {
    // The file itself is unreadable (no header, a quote never closed): nothing to compare.
    if (e instanceof CsvSyntaxError) return fail(db, snapshotId, `The file cannot be read: ${e.message}`)
    return fail(db, snapshotId, `Reading the snapshot failed: ${(e as Error).message}`)
  }
  const findings = await completeSnapshot(db, snap, staged)
  await autoCorrectSmallVariances(db, snap)
  emitRealtime([ROOMS.dashboard, ROOMS.findings], 'findings.changed', { kind: 'variance' })
  return { status: 'completed', findings, rejectedRows: staged.rejectedRows }
}

type SnapshotItem = { line: number; values: Record<string, unknown> } | { line: number; error: string }

/** What an interrupted run staged goes: its rows, its dead letters, its progress. */
async function restartStaging(db: PrismaClient, snapshotId: string, messageId: string): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM "SnapshotRow" WHERE "snapshotId" = $1::uuid`, snapshotId)
  await db.$executeRawUnsafe(
    `DELETE FROM "DeadLetter" WHERE "inboundMessageId" = $1::uuid AND kind = 'ingest'`,
    messageId,
  )
  await db.snapshot.update({ where: { id: snapshotId }, data: { processedRows: 0, rejectedRows: 0 } })
}

/** Streams the stored upload (CSV or NDJSON) into staged rows, STAGE_BATCH at a time, with progress. */
async function stageUpload(
  db: PrismaClient,
  snap: Snapshot,
  messageId: string,
  onProgress?: (processed: number) => void,
): Promise<{ processed: number; rejectedRows: number }> {
  let processed = 0
  let rejectedRows = 0
  let batch: SnapshotItem[] = []
  const flush = async () => {
    if (batch.length === 0) return
    const r = await stageBatch(db, snap.source, snap.id, messageId, batch)
    rejectedRows += r.rejected
    processed += batch.length
    batch = []
    await db.snapshot.update({ where: { id: snap.id }, data: { processedRows: processed, rejectedRows } })
    onProgress?.(processed)
  }
  for await (const item of snapshotItems(db, snap.format, messageId)) {
    batch.push(item)
    if (batch.length >= STAGE_BATCH) await flush()
  }
  await flush()
  return { processed, rejectedRows }
}

/** The upload's rows in file order: CSV rows by header, NDJSON objects, or a line's error. */
async function* snapshotItems(db: PrismaClient, format: string, messageId: string): AsyncGenerator<SnapshotItem> {
  const raw = readRaw(db, messageId)
  if (format === 'csv') {
    for await (const row of readCsvRows(raw, {
      required: [...SNAPSHOT_CSV_REQUIRED_COLUMNS],
      allowed: [...SNAPSHOT_CSV_ALLOWED_COLUMNS],
    }))
      yield { line: row.line, values: row.values }
    return
  }
  for await (const item of readNdjson(raw)) {
    if (item.error !== undefined) yield { line: item.line, error: item.error }
    else if (typeof item.value !== 'object' || item.value === null || Array.isArray(item.value))
      yield { line: item.line, error: `line ${item.line}: expected a JSON object.` }
    else yield { line: item.line, values: item.value as Record<string, unknown> }
  }
}

/** Compares the staged rows, marks the snapshot completed and drops its staged rows. */
async function completeSnapshot(
  db: PrismaClient,
  snap: Snapshot,
  staged: { processed: number; rejectedRows: number },
): Promise<number> {
  const snapshotId = snap.id
  const findings = await transaction(db, async (tx) => {
    // The locations it covered, kept after its staged rows go: feed freshness by snapshot reads them.
    await tx.$executeRawUnsafe(
      `UPDATE "Snapshot" SET "locationIds" = COALESCE((SELECT array_agg(DISTINCT "locationId") FROM "SnapshotRow" WHERE "snapshotId" = $1::uuid), ARRAY[]::uuid[]) WHERE id = $1::uuid`,
      snapshotId,
    )
    return compareSnapshot(tx, snapshotId, snap.mode as SnapshotMode, snap.asOf ?? snap.startedAt)
  })
  await db.snapshot.update({
    where: { id: snapshotId },
    data: {
      status: 'completed',
      findings,
      rows: staged.processed,
      processedRows: staged.processed,
      rejectedRows: staged.rejectedRows,
      completedAt: new Date(),
    },
  })
  await db.$executeRawUnsafe(`DELETE FROM "SnapshotRow" WHERE "snapshotId" = $1::uuid`, snapshotId)
  return findings
}

/** Policy: variances up to autoCorrectUnits are corrected at once; larger ones wait for a person. */
async function autoCorrectSmallVariances(db: PrismaClient, snap: Snapshot): Promise<void> {
  if (snap.autoCorrectUnits <= 0) return
  const small = await db.finding.findMany({
    where: {
      snapshotId: snap.id,
      status: 'open',
      variance: { gte: -snap.autoCorrectUnits, lte: snap.autoCorrectUnits },
    },
    select: { id: true },
  })
  await applySnapshotCorrections(
    db,
    small.map((f) => f.id),
    { kind: 'system', id: null, label: `snapshot policy (|variance| <= ${snap.autoCorrectUnits})` },
  )
}

async function fail(db: Db, snapshotId: string, error: string) {
  await db.snapshot.update({ where: { id: snapshotId }, data: { status: 'failed', error, completedAt: new Date() } })
  return { status: 'failed', findings: 0, rejectedRows: 0 }
}

type SnapshotRejection = { index: number; code: string; message: string; raw: unknown; sku?: string | null }
type ParsedSnapshotRow = {
  line: number
  raw: unknown
  row: { sku: string; location: string; onHand?: number; quarantined?: number; damaged?: number; allocated?: number }
}

/** One batch: parsed, mapped to SKUs and locations, staged; its rejected rows become dead letters. */
async function stageBatch(
  db: PrismaClient,
  source: string,
  snapshotId: string,
  messageId: string,
  batch: SnapshotItem[],
): Promise<{ rejected: number }> {
  const rejections: SnapshotRejection[] = []
  const parsed: ParsedSnapshotRow[] = []
  for (const b of batch) {
    if ('error' in b) {
      rejections.push({ index: b.line, code: 'INVALID_ROW', message: `Snapshot ${b.error}`, raw: null })
      continue
    }
    const r = parseSnapshotRow(b.values, b.line)
    if (!r.ok) rejections.push({ index: b.line, code: r.code, message: `Snapshot ${r.message}`, raw: b.values })
    else parsed.push({ line: b.line, raw: b.values, row: r.row })
  }
  const staged = await resolveSnapshotRows(db, source, parsed, rejections)
  await insertStagedRows(db, snapshotId, staged)
  if (rejections.length > 0) {
    await recordIngestDeadLetters(
      db,
      messageId,
      source,
      rejections.sort((a, b) => a.index - b.index),
    )
    emitIngestDeadLettersChanged()
  }
  return { rejected: rejections.length }
}

/** Parsed rows mapped to our SKU and location ids (aliases of the source); an unknown one is rejected. */
async function resolveSnapshotRows(
  db: PrismaClient,
  source: string,
  parsed: ParsedSnapshotRow[],
  rejections: SnapshotRejection[],
): Promise<StagedRow[]> {
  const catalog = await resolveCatalog(
    db,
    source,
    parsed.map((p) => p.row.sku),
    parsed.map((p) => p.row.location),
  )
  const staged: StagedRow[] = []
  for (const p of parsed) {
    const sku = catalog.sku(p.row.sku)
    if (!sku) {
      rejections.push({
        index: p.line,
        code: 'UNKNOWN_SKU',
        message: `Snapshot line ${p.line}: unknown SKU "${p.row.sku}" for source "${source}": add the SKU or an alias.`,
        raw: p.raw,
        sku: p.row.sku,
      })
      continue
    }
    const locationId = catalog.location(p.row.location)
    if (!locationId) {
      rejections.push({
        index: p.line,
        code: 'UNKNOWN_LOCATION',
        message: `Snapshot line ${p.line}: unknown location "${p.row.location}" for source "${source}".`,
        raw: p.raw,
        sku: p.row.sku,
      })
      continue
    }
    staged.push({
      line: p.line,
      skuId: sku.id,
      locationId,
      onHand: p.row.onHand ?? null,
      quarantined: p.row.quarantined ?? null,
      damaged: p.row.damaged ?? null,
      allocated: p.row.allocated ?? null,
    })
  }
  return staged
}

async function insertStagedRows(db: PrismaClient, snapshotId: string, staged: StagedRow[]): Promise<void> {
  if (staged.length === 0) return
  await db.$executeRawUnsafe(
    `INSERT INTO "SnapshotRow"("snapshotId", line, "skuId", "locationId", "onHand", quarantined, damaged, allocated)
     SELECT $1::uuid, * FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::int[], $6::int[], $7::int[], $8::int[])`,
    snapshotId,
    staged.map((s) => s.line),
    staged.map((s) => s.skuId),
    staged.map((s) => s.locationId),
    staged.map((s) => s.onHand),
    staged.map((s) => s.quarantined),
    staged.map((s) => s.damaged),
    staged.map((s) => s.allocated),
  )
}

/**
 * One finding per SKU x location x field that differs. Full mode: at every location the snapshot
 * mentions, a position it leaves out is expected to have zero on hand. The last line wins when a
 * SKU x location appears twice. Open variance findings from older snapshots for what this one
 * compared are resolved as superseded.
 */
async function compareSnapshot(tx: Db, snapshotId: string, mode: SnapshotMode, asOf: Date | null): Promise<number> {
  await tx.$executeRawUnsafe(
    `WITH rows AS (
       SELECT DISTINCT ON ("skuId", "locationId") * FROM "SnapshotRow" WHERE "snapshotId" = $1::uuid ORDER BY "skuId", "locationId", line DESC
     ), locs AS (SELECT DISTINCT "locationId" FROM rows)
     UPDATE "Finding" f SET status = 'resolved', "resolvedAt" = now(), "updatedAt" = now(), note = 'superseded by snapshot ' || $1
       FROM "Sku" s, "Location" l
      WHERE f.kind = 'variance' AND f.status = 'open' AND f.sku = s.code AND f.location = l.code
        AND (EXISTS (SELECT 1 FROM rows r WHERE r."skuId" = s.id AND r."locationId" = l.id)
             OR ($2 = 'full' AND EXISTS (SELECT 1 FROM locs WHERE locs."locationId" = l.id)))`,
    snapshotId,
    mode,
  )
  // Stocktower's side as of the snapshot: movements that occurred after `asOf` are taken back out
  // (the system of record could not have counted them). A count after asOf cannot be undone, so
  // that position's onHand is not compared; a ship after asOf consumed allocations by an amount
  // that cannot be reconstructed, so allocated is not compared there.
  const inserted = await tx.$queryRawUnsafe<Array<{ n: number }>>(
    `WITH rows AS (
       SELECT DISTINCT ON ("skuId", "locationId") * FROM "SnapshotRow" WHERE "snapshotId" = $1::uuid ORDER BY "skuId", "locationId", line DESC
     ), locs AS (SELECT DISTINCT "locationId" FROM rows),
     later AS (
       SELECT e."skuId", e."locationId",
              sum(CASE WHEN e.type IN ('receipt', 'adjustment', 'transfer_in', 'return_received') THEN e.quantity
                       WHEN e.type IN ('transfer_out', 'ship') THEN -e.quantity ELSE 0 END)::int AS d_oh,
              sum(CASE WHEN e.type IN ('return_received', 'quarantine') THEN e.quantity WHEN e.type = 'release' THEN -e.quantity ELSE 0 END)::int AS d_qu,
              sum(CASE WHEN e.type = 'damage' THEN e.quantity ELSE 0 END)::int AS d_dm,
              sum(CASE WHEN e.type = 'allocate' THEN e.quantity WHEN e.type = 'deallocate' THEN -e.quantity ELSE 0 END)::int AS d_al,
              bool_or(e.type = 'count') AS counted, bool_or(e.type = 'ship') AS shipped, count(*)::int AS events
         FROM "LedgerEvent" e
        WHERE $3::timestamptz IS NOT NULL AND e."receivedAt" > $3::timestamptz - interval '1 hour' AND e."occurredAt" > $3::timestamptz
          AND e.outcome = 'applied' AND e."locationId" IN (SELECT "locationId" FROM locs)
        GROUP BY 1, 2
     ),
     cmp AS (
       SELECT r."skuId", r."locationId", r."onHand" AS e_oh, r.quarantined AS e_qu, r.damaged AS e_dm, r.allocated AS e_al,
              COALESCE(p."onHand", 0) AS a_oh, COALESCE(p.quarantined, 0) AS a_qu, COALESCE(p.damaged, 0) AS a_dm, COALESCE(p.allocated, 0) AS a_al
         FROM rows r LEFT JOIN "Position" p ON p."skuId" = r."skuId" AND p."locationId" = r."locationId"
       UNION ALL
       SELECT p."skuId", p."locationId", 0, NULL, NULL, NULL, p."onHand", p.quarantined, p.damaged, p.allocated
         FROM "Position" p JOIN locs ON locs."locationId" = p."locationId"
        WHERE $2 = 'full' AND NOT EXISTS (SELECT 1 FROM rows r WHERE r."skuId" = p."skuId" AND r."locationId" = p."locationId")
     ), diff AS (
       SELECT c."skuId", c."locationId", v.field, v.e, v.a - COALESCE(v.d, 0) AS a, COALESCE(v.d, 0) AS d, l.events
         FROM cmp c LEFT JOIN later l ON l."skuId" = c."skuId" AND l."locationId" = c."locationId",
         LATERAL (VALUES ('onHand', c.e_oh, c.a_oh, l.d_oh, COALESCE(l.counted, false)),
                         ('quarantined', c.e_qu, c.a_qu, l.d_qu, false),
                         ('damaged', c.e_dm, c.a_dm, l.d_dm, false),
                         ('allocated', c.e_al, c.a_al, l.d_al, COALESCE(l.shipped, false))) AS v(field, e, a, d, skip)
        WHERE v.e IS NOT NULL AND NOT v.skip AND v.e <> v.a - COALESCE(v.d, 0)
     ), ins AS (
       INSERT INTO "Finding"(id, kind, sku, location, cause, field, expected, actual, variance, "snapshotId", details, "dedupeKey")
       SELECT gen_random_uuid(), 'variance', s.code, l.code,
              'Snapshot says ' || d.field || ' ' || d.e || ', Stocktower had ' || d.a || ' at snapshot time (variance ' || CASE WHEN d.e - d.a > 0 THEN '+' ELSE '' END || (d.e - d.a) || ')'
                || CASE WHEN d.d <> 0 THEN '; ' || d.d || ' unit(s) moved after the snapshot were taken out' ELSE '' END,
              d.field, d.e, d.a, d.e - d.a, $1::uuid,
              jsonb_build_object('mode', $2::text, 'asOf', $3::timestamptz, 'movedAfterSnapshot', d.d, 'eventsAfterSnapshot', COALESCE(d.events, 0)),
              'variance:' || s.code || ':' || l.code || ':' || d.field
         FROM diff d JOIN "Sku" s ON s.id = d."skuId" JOIN "Location" l ON l.id = d."locationId"
       RETURNING 1
     )
     SELECT count(*)::int AS n FROM ins`,
    snapshotId,
    mode,
    asOf ? asOf.toISOString() : null,
  )
  return inserted[0]?.n ?? 0
}
