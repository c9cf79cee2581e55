import { apiKeyRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { receiveSnapshot, snapshotFormat, snapshotMode } from '@/server/reconciliation/snapshots'

export const dynamic = 'force-dynamic'

/** Streams the upload into raw storage (flat memory), then a worker compares it; poll GET /api/v1/snapshots/{id}. */
export const POST = apiKeyRoute('ingest:erp', async ({ req, principal }) => {
  const url = new URL(req.url)
  const format = snapshotFormat(req.headers.get('content-type'))
  const mode = snapshotMode(url.searchParams.get('mode'))
  const source = (url.searchParams.get('source') ?? principal.boundSource ?? 'snapshot').trim()
  if (principal.boundSource && source !== principal.boundSource) throw new ValidationError(`This API key may only send for source "${principal.boundSource}".`, undefined, 'SOURCE_NOT_ALLOWED')
  if (!req.body) throw new ValidationError('The body is empty: send the snapshot rows.', undefined, 'EMPTY_BODY')
  const r = await receiveSnapshot(prisma(), { source, mode, format, body: req.body as unknown as AsyncIterable<Uint8Array> })
  return json({ snapshotId: r.snapshotId, status: 'running', rows: r.rows }, 202, { Location: `/api/v1/snapshots/${r.snapshotId}` })
})
