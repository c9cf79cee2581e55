import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { ingestOrders } from '@/server/ingest/ingest-orders'
import { MAX_BODY_BYTES } from '@/server/ingest/event.schema'

export const dynamic = 'force-dynamic'

export const POST = apiKeyRoute<{ channel: string }>((p) => `ingest:channel:${p.channel}`, async ({ req, params }) => {
  const body = await readTextLimited(req, MAX_BODY_BYTES)
  const r = await ingestOrders(prisma(), params.channel, body)
  return json({ accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected, incidents: r.incidents, messageId: r.inboundMessageId }, 202)
})
