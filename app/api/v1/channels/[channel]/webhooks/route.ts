import { json, openRoute, pathCode } from '@/app/_lib/api'
import { readBodyLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { MAX_BODY_BYTES } from '@/server/ingest/event.schema'
import { receiveOrderWebhook } from '@/server/orders/receive-webhook'

export const dynamic = 'force-dynamic'

// A marketplace's order webhook: authenticated by the marketplace's own signature, not an API key
// (server/orders/receive-webhook.ts). 200 as soon as the raw message is stored; processed by a job.
export async function POST(req: Request, context: { params: Promise<{ channel: string }> }) {
  const { channel } = await context.params
  return openRoute(async () => {
    const { text, exactBytes } = await readBodyLimited(req, MAX_BODY_BYTES)
    const r = await receiveOrderWebhook(prisma(), pathCode(channel), { headers: req.headers, body: text, exactBytes })
    return json({ received: true, duplicate: r.duplicate, messageId: r.messageId }, 200)
  })(req)
}
