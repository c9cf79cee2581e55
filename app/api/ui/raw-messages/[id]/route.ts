import { NextResponse } from 'next/server'
import { userRoute } from '@/app/_lib/api'
import { textStream } from '@/app/_lib/text-stream'
import { prisma } from '@/server/db'
import { NotFoundError } from '@/server/errors'
import { getRawMessageMeta, readRaw } from '@/server/ingest/raw-store'

export const dynamic = 'force-dynamic'

/** A stored inbound message exactly as it arrived (streamed, chunk by chunk), with what it is in headers. */
// A stored message holds whole batches (every SKU, costs, rejected content): the people who work
// dead letters read it, not everyone who may see inventory (issue 17: executives could).
export const GET = userRoute<{ id: string }>('dead-letters:view', async ({ params }) => {
  const meta = await getRawMessageMeta(prisma(), params.id)
  if (!meta) throw new NotFoundError(`No stored message "${params.id}".`, 'UNKNOWN_MESSAGE')
  // Shown as text whatever it was (JSON, CSV, EDI): never rendered as HTML in our origin.
  return new NextResponse(textStream(readRaw(prisma(), meta.id)), {
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'x-stocktower-source': meta.source,
      'x-stocktower-kind': meta.kind,
      'x-stocktower-transport': meta.transport,
      'x-stocktower-received-at': meta.receivedAt,
      'x-stocktower-status': meta.status,
      ...(meta.fileName
        ? { 'content-disposition': `inline; filename="${meta.fileName.replace(/[^\w.-]/g, '_')}"` }
        : {}),
    },
  })
})
