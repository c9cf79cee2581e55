// Replays native order dead letters (source `native:<channel>`) after an operator fixed their cause
// (added the SKU to the channel's listing map, fixed the channel's secret and had the marketplace
// resend): the stored raw message is processed again, whole, through the same parse and apply
// path. NativeOrderLine makes that harmless for the orders of the message that applied the first
// time; each letter closes when its order now applies and stays open with the new reason when not.
import type { PrismaClient } from '@prisma/client'
import type { Actor } from '../audit/record-audit'
import { settleReplayedLetter } from '../ingest/dead-letters.repository'
import { processNativeMessage } from './native-message'

export interface NativeReplayResult {
  replayed: Array<{ id: string; outcome: 'applied' | 'duplicate' }>
  stillRejected: Array<{ id: string; code: string; reason: string }>
  notReplayable: Array<{ id: string; reason: string }>
}

export const isNativeDeadLetterSource = (source: string | null | undefined) => !!source && source.startsWith('native:')

export async function replayNativeDeadLetters(
  db: PrismaClient,
  letters: Array<{ id: string; code: string; inboundMessageId: string | null; payload: unknown }>,
  actor: Actor,
): Promise<NativeReplayResult> {
  const result: NativeReplayResult = { replayed: [], stillRejected: [], notReplayable: [] }
  const byMessage = new Map<string, typeof letters>()
  for (const l of letters) {
    if (!l.inboundMessageId) {
      result.notReplayable.push({ id: l.id, reason: 'no stored message to replay' })
      continue
    }
    if (l.code === 'BAD_WEBHOOK_SIGNATURE' || l.code === 'UNKNOWN_CHANNEL' || l.code === 'NO_ORDER_WEBHOOK') {
      result.notReplayable.push({
        id: l.id,
        reason:
          'a delivery we could not authenticate or place is never applied: fix the channel, then have the marketplace send it again',
      })
      continue
    }
    byMessage.set(l.inboundMessageId, [...(byMessage.get(l.inboundMessageId) ?? []), l])
  }
  for (const [messageId, items] of byMessage) {
    const now = new Date()
    const r = await processNativeMessage(db, messageId, {
      replay: true,
      inside: async (tx, applied) => {
        const refused = new Map(applied.rejected.map((x) => [x.index, x]))
        // A message refused whole (index -1) leaves every letter of it open.
        const whole = refused.get(-1)
        for (const item of items) {
          const index = (item.payload as { index?: number } | null)?.index ?? -1
          const rj = whole ?? refused.get(index)
          await settleReplayedLetter(
            tx,
            actor,
            item.id,
            now,
            rj ? { refused: rj } : { replayed: { inboundMessageId: messageId } },
          )
          if (rj) {
            result.stillRejected.push({ id: item.id, code: rj.code, reason: rj.message })
          } else {
            result.replayed.push({ id: item.id, outcome: applied.events > 0 ? 'applied' : 'duplicate' })
          }
        }
      },
    })
    if (!r)
      for (const item of items)
        result.notReplayable.push({
          id: item.id,
          reason: 'the stored message is not a native order message of a known channel',
        })
  }
  return result
}
