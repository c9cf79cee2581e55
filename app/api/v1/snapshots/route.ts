import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { config } from '@/server/env'
import { MAX_TEXT } from '@/server/ingest/event.schema'
import { receiveSnapshot, snapshotFormat, snapshotMode } from '@/server/reconciliation/receive-snapshot'

export const dynamic = 'force-dynamic'

/** Streams the upload into raw storage (flat memory), then a worker compares it; poll GET /api/v1/snapshots/{id}. */
export const POST = apiKeyRoute('ingest:erp', async ({ req, principal }) => {
  const url = new URL(req.url)
  const format = snapshotFormat(req.headers.get('content-type'))
  const mode = snapshotMode(url.searchParams.get('mode'))
  const source = (url.searchParams.get('source') ?? principal.boundSource ?? 'snapshot').trim()
  if (source === '' || source.length > MAX_TEXT.source)
    throw new ValidationError(`"source" must be 1 to ${MAX_TEXT.source} characters.`, undefined, 'INVALID_SOURCE')
  if (principal.boundSource && source !== principal.boundSource)
    throw new ValidationError(
      `This API key may only send for source "${principal.boundSource}".`,
      undefined,
      'SOURCE_NOT_ALLOWED',
    )
  if (!req.body) throw new ValidationError('The body is empty: send the snapshot rows.', undefined, 'EMPTY_BODY')
  const asOfRaw = url.searchParams.get('asOf')
  const asOf = asOfRaw ? new Date(asOfRaw) : null
  // Years 0001-9999 only: PostgreSQL (and Prisma) refuse what JavaScript can still represent.
  if (asOf && (Number.isNaN(asOf.getTime()) || asOf.getUTCFullYear() < 1 || asOf.getUTCFullYear() > 9999))
    throw new ValidationError(
      '"asOf" must be an ISO-8601 time: when the system of record took the snapshot.',
      undefined,
      'INVALID_AS_OF',
    )
  const autoRaw = url.searchParams.get('autoCorrectBelow')
  const autoCorrectUnits = autoRaw === null ? config().snapshotAutoCorrectUnits : Number(autoRaw)
  if (!Number.isInteger(autoCorrectUnits) || autoCorrectUnits < 0 || autoCorrectUnits > 1_000_000_000)
    throw new ValidationError(
      '"autoCorrectBelow" must be a whole number of units (0: correct nothing automatically).',
      undefined,
      'INVALID_POLICY',
    )
  const r = await receiveSnapshot(prisma(), {
    source,
    mode,
    format,
    asOf,
    autoCorrectUnits,
    body: req.body as unknown as AsyncIterable<Uint8Array>,
  })
  return json({ snapshotId: r.snapshotId, status: 'running', rows: r.rows }, 202, {
    Location: `/api/v1/snapshots/${r.snapshotId}`,
  })
})
