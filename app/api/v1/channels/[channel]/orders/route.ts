import { ingestRoute, json } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ingestOrders } from '@/server/ingest/ingest-orders'
import { MAX_BODY_BYTES } from '@/server/ingest/event.schema'

export const dynamic = 'force-dynamic'

// A channel that signs its order webhooks does so as the source named after the channel's code.
export const POST = ingestRoute<{ channel: string }>(
  (p) => `ingest:channel:${p.channel}`,
  (p) => p.channel,
  MAX_BODY_BYTES,
  async ({ params, body, exactBytes }) => {
    const r = await ingestOrders(prisma(), params.channel, body, { exactBytes })
    return json(
      {
        accepted: r.accepted,
        duplicates: r.duplicates,
        rejected: r.rejected,
        incidents: r.incidents,
        messageId: r.inboundMessageId,
      },
      202,
    )
  },
)
