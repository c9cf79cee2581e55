// Once a minute, a recompute for SKUs nothing will otherwise decide. A claim left behind by a worker
// that stopped between claiming and deleting its rows (killed, or shut down mid-batch) may be taken
// again once stale, but only by a recompute job, and with no new input nothing queues one: the
// SKUs' channels would keep old numbers until the next event for them. The sweep queues the job
// when any SKU waits (the job key keeps it to one).
import type { RawSql } from '../db'
import { enqueueRecompute } from '../queue/enqueue'
import { hasClaimableDirty } from './recompute-outbox'

export async function sweepRecomputeOutbox(db: RawSql, now = new Date()): Promise<{ queued: boolean }> {
  if (!(await hasClaimableDirty(db, now))) return { queued: false }
  await enqueueRecompute(db)
  return { queued: true }
}
