// For per-listing APIs (maxBatchSize 1): sends updates one after another and merges the results.
// After a channel-wide transient failure (throttled, down, unreachable) the remaining updates are
// not sent: they would fare the same, and hammering a struggling API makes it worse.
import type { ListingUpdate, PushResult, UpdateOutcome } from './connector'
import type { FailureClass } from './channel-http'

export interface SingleSend {
  outcome: UpdateOutcome
  result: Omit<PushResult, 'outcomes'>
  /** Set when the failure concerns the whole channel, not this listing. */
  channelWide?: FailureClass
}

export async function pushSequentially(updates: readonly ListingUpdate[], pushOne: (update: ListingUpdate) => Promise<SingleSend>): Promise<PushResult> {
  const outcomes: UpdateOutcome[] = []
  let last: Omit<PushResult, 'outcomes'> = { latencyMs: 0 }
  let latencyMs = 0
  let throttledForMs: number | undefined
  for (const [index, update] of updates.entries()) {
    const sent = await pushOne(update)
    outcomes.push(sent.outcome)
    latencyMs += sent.result.latencyMs
    last = sent.result
    throttledForMs = sent.result.throttledForMs ?? throttledForMs
    if (sent.channelWide) {
      const failure = sent.channelWide
      for (const rest of updates.slice(index + 1)) {
        outcomes.push({ listingId: rest.listingId, ...failure, message: `not sent: ${failure.message}` })
      }
      break
    }
  }
  return { ...last, outcomes, latencyMs, ...(throttledForMs !== undefined ? { throttledForMs } : {}) }
}
