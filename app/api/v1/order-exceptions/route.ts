import { ingestRoute, json, sourceInBody } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { recordOrderExceptions } from '@/server/exceptions/record-order-exceptions'

export const dynamic = 'force-dynamic'

/** A system of record says it rejected, held or resolved channel orders (see README "ERP order exceptions"). */
export const POST = ingestRoute(
  () => 'ingest:erp',
  (_p, body) => sourceInBody(body),
  5 * 1024 * 1024,
  async ({ body, principal }) => {
    const r = await recordOrderExceptions(prisma(), { body, boundSource: principal.boundSource })
    return json({ accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected, messageId: r.messageId }, 202)
  },
)
