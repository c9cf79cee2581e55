// An ERP sending a steady stream: pre-serialised batches posted on a fixed schedule (open loop: a
// slow answer does not delay the next send, so a stall shows in the latencies instead of hiding in a
// lower rate). Each ack latency is measured from the batch's scheduled send time.
import http from 'node:http'
import { postEvents } from './http'
import { batchBody, generateEvents, type BenchEvent } from './events'

export interface SteadyResult {
  sent: number
  batches: number
  ackMs: number[]
  failures: string[]
  seconds: number
  lateStarts: number
  /** POSTs sent again after a connection reset (same idempotency keys: the ledger keeps each event once). */
  retries: number
}

/** Batches of `batchSize` events at `ratePerSecond` for `seconds`, deterministic by `seed`. */
export function steadyBatches(opts: {
  runId: string
  label: string
  skuCount: number
  ratePerSecond: number
  seconds: number
  batchSize: number
  seed: number
  transform?: (e: BenchEvent, i: number) => BenchEvent
}): string[] {
  const batches = Math.max(1, Math.round((opts.ratePerSecond * opts.seconds) / opts.batchSize))
  const s = generateEvents({
    runId: opts.runId,
    label: opts.label,
    skuCount: opts.skuCount,
    batches,
    batchSize: opts.batchSize,
    seed: opts.seed,
  })
  let i = 0
  return s.batches.map((b) => batchBody(opts.transform ? b.map((e) => opts.transform!(e, i++)) : b))
}

export async function sendSteady(
  port: number,
  apiKey: string,
  bodies: string[],
  eventsPerBatch: number,
  ratePerSecond: number,
): Promise<SteadyResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 })
  const intervalMs = (1000 * eventsPerBatch) / ratePerSecond
  const ackMs: number[] = []
  const failures: string[] = []
  const inFlight: Array<Promise<void>> = []
  const t0 = performance.now()
  let lateStarts = 0
  let retries = 0
  try {
    for (let i = 0; i < bodies.length; i++) {
      const due = t0 + i * intervalMs
      const wait = due - performance.now()
      if (wait > 1) await new Promise((r) => setTimeout(r, wait))
      else if (wait < -intervalMs) lateStarts++
      const body = bodies[i]
      // A keep-alive socket the server closed as it was reused resets: an ERP sends the batch again
      // (its idempotency keys make that safe); the ack latency includes the retry.
      const send = () =>
        postEvents(agent, port, apiKey, body).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e
          retries++
          return postEvents(agent, port, apiKey, body)
        })
      inFlight.push(
        send().then(
          (r) => {
            ackMs.push(performance.now() - due)
            if (r.status !== 202) failures.push(`${r.status} ${r.text.slice(0, 300)}`)
            else {
              const j = JSON.parse(r.text) as { accepted: number; rejected: unknown[] }
              if (j.rejected.length > 0) failures.push(`rejected: ${JSON.stringify(j.rejected).slice(0, 300)}`)
            }
          },
          (e: Error) => {
            failures.push(e.message)
          },
        ),
      )
    }
    await Promise.all(inFlight)
  } finally {
    agent.destroy()
  }
  return {
    sent: bodies.length * eventsPerBatch,
    batches: bodies.length,
    ackMs,
    failures,
    seconds: (performance.now() - t0) / 1000,
    lateStarts,
    retries,
  }
}
