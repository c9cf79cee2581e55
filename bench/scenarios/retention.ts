// retention (issue 20, item 3): built in parallel by another helper, who exports the retention
// function this scenario is to time at 10 million rows.
// TODO(issue 20 item 3, at merge): once server/ has the retention use case, generate 10 M ledger
// events and 1 M attempts older than the retention window the way scenarios/catalogue.ts does
// (INSERT ... SELECT generate_series), run the retention function in its batches while a steady
// ingest runs, and report rows/s deleted or archived, the longest lock wait seen by ingest
// (pg_stat_activity, bench/pg-waits.ts) and the ingest ack p99 beside the same ingest without it.
import type { Figure } from '../stats'

export async function runRetention(log: (l: string) => void): Promise<{ figures: Figure[]; notes: string[] }> {
  log('[bench] retention: not measured yet (TODO hook in bench/scenarios/retention.ts: the retention function is being built in parallel)')
  return { figures: [], notes: ['retention: TODO, waits for the retention use case (issue 20 item 3)'] }
}
