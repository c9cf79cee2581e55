import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { ingestEvents } from '@/server/ingest/ingest-events'
import { MAX_BODY_BYTES } from '@/server/ingest/event.schema'

export const dynamic = 'force-dynamic'

export const POST = apiKeyRoute('ingest:erp', async ({ req, principal }) => {
  const body = await readTextLimited(req, MAX_BODY_BYTES)
  const r = await ingestEvents(prisma(), { body, boundSource: principal.boundSource })
  return json({ accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected, messageId: r.inboundMessageId }, 202)
})
