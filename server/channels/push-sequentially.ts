// Sending more updates than one call takes, and merging the results into one PushResult.
// - pushSequentially, for per-listing APIs (maxBatchSize 1): one after another. After a channel-wide
//   transient failure (throttled, down, unreachable) the remaining updates are not sent: they would
//   fare the same, and hammering a struggling API makes it worse.
// - pushInBatches, for batch APIs: calls of at most maxBatchSize, in order (the publisher normally
//   sends one batch; this covers a caller that sends more).
import type { ListingUpdate, PushResult, UpdateOutcome } from './connector'
import type { FailureClass } from './channel-http'

export interface SingleSend {
  outcome: UpdateOutcome
  result: Omit<PushResult, 'outcomes'>
  /** Set when the failure concerns the whole channel, not this listing. */
  channelWide?: FailureClass
}

export async function pushSequentially(
  updates: readonly ListingUpdate[],
  pushOne: (update: ListingUpdate) => Promise<SingleSend>,
): Promise<PushResult> {
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

/** The result of a per-listing call that got no usable answer: the failure applies to the whole channel. */
export function channelWideFailure(
  update: ListingUpdate,
  latencyMs: number,
  request: unknown,
  failure: FailureClass,
): SingleSend {
  return { outcome: { listingId: update.listingId, ...failure }, result: { latencyMs, request }, channelWide: failure }
}

/** The result of a per-listing call the channel refused: a transient refusal concerns the whole channel. */
export function refusedSend(
  update: ListingUpdate,
  result: Omit<PushResult, 'outcomes'>,
  failure: FailureClass,
  throttledForMs: { throttledForMs?: number },
): SingleSend {
  return {
    outcome: { listingId: update.listingId, ...failure },
    result: { ...result, ...throttledForMs },
    channelWide: failure.outcome === 'failed' ? failure : undefined,
  }
}

export async function pushInBatches(
  updates: readonly ListingUpdate[],
  maxBatchSize: number,
  pushBatch: (batch: ListingUpdate[]) => Promise<PushResult>,
): Promise<PushResult> {
  if (updates.length <= maxBatchSize) return pushBatch([...updates])
  const merged: PushResult = { outcomes: [], latencyMs: 0 }
  for (let start = 0; start < updates.length; start += maxBatchSize) {
    const part = await pushBatch(updates.slice(start, start + maxBatchSize))
    merged.outcomes.push(...part.outcomes)
    merged.latencyMs += part.latencyMs
    merged.httpStatus = part.httpStatus ?? merged.httpStatus
    merged.request = part.request
    merged.response = part.response
    if (part.throttledForMs) merged.throttledForMs = Math.max(merged.throttledForMs ?? 0, part.throttledForMs)
  }
  return merged
}
