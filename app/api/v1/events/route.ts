import { ingestRoute, json, sourceInBody } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { ingestEvents } from '@/server/ingest/ingest-events'
import { MAX_BODY_BYTES } from '@/server/ingest/event.schema'

export const dynamic = 'force-dynamic'

export const POST = ingestRoute(
  () => 'ingest:erp',
  (_p, body) => sourceInBody(body),
  MAX_BODY_BYTES,
  async ({ body, exactBytes, principal }) => {
    const r = await ingestEvents(prisma(), { body, exactBytes, boundSource: principal.boundSource })
    return json(
      {
        accepted: r.accepted,
        duplicates: r.duplicates,
        rejected: r.rejected,
        messageId: r.inboundMessageId,
        ...(r.shadowed ? { shadowed: r.shadowed } : {}),
      },
      202,
    )
  },
)
