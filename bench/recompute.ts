// recompute-100k: every SKU x channel decided again after a rule change, decisions and explanations
// stored, by the recompute job's code (recomputeInLanes: two concurrent lanes in one process).
// Baseline in the same run: plain INSERT ... SELECT of the same number of decision rows with a fixed
// explanation, plus the listing UPDATE that points at them, i.e. the floor cost of storing the
// result without deciding anything.
// Also measured: the impact preview of a candidate rule set over the same pairs (no writes).
import crypto from 'node:crypto'
import pg from 'pg'
import { migrateDatabase } from '../server/runtime/migrate'
import { createPrisma } from '../server/db'
import { recomputeInLanes } from '../server/availability/recompute-availability'
import { previewRuleImpact } from '../server/rules/preview-rule-impact'
import { RuleSetSchema, type RuleSet } from '../server/rules/rules.schema'

export interface RecomputeBenchResult {
  skus: number
  channels: number
  pairs: number
  recomputeSeconds: number
  decisions: number
  baselineSeconds: number
  previewSeconds: number
  previewPairs: number
}

const CHANNELS = ['edi', 'b2b', 'shopify', 'amazon', 'walmart']
const LOCATIONS = ['DC-EAST', 'DC-WEST', '3PL-CENTRAL']

export const BENCH_RULES: RuleSet = RuleSetSchema.parse({
  defaults: { safetyStock: { units: 2 }, salesWindowDays: 28 },
  channels: {
    edi: { priority: 5, ringFence: 10, share: { type: 'fixed', units: 20 } },
    b2b: { priority: 10, ringFence: 5, share: { type: 'shared' }, zeroBelow: 1 },
    shopify: { priority: 20, share: { type: 'shared' } },
    amazon: {
      priority: 30,
      share: { type: 'percent', percent: 60 },
      cap: 500,
      zeroBelow: 2,
      locations: ['DC-EAST', 'DC-WEST', '3PL-CENTRAL'],
    },
    walmart: { priority: 40, share: { type: 'percent', percent: 40 }, zeroBelow: 2, excludeLocations: ['3PL-CENTRAL'] },
  },
  safetyStock: [
    { channel: 'amazon', units: 3 },
    { category: 'cat-3', units: 5 },
  ],
})

export async function runRecomputeBench(opts: {
  adminUrl: string
  skus: number
  log: (l: string) => void
}): Promise<RecomputeBenchResult> {
  const { log } = opts
  const name = `recompute_bench_${crypto.randomBytes(3).toString('hex')}`
  const admin = new pg.Client({ connectionString: opts.adminUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(opts.adminUrl)
  url.pathname = `/${name}`
  try {
    await migrateDatabase(url.toString(), { quiet: true })
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 })
    const started = Date.now()
    await pool.query(
      `INSERT INTO "Location"(id, code, name) SELECT gen_random_uuid(), c, c FROM unnest($1::text[]) c`,
      [LOCATIONS],
    )
    await pool.query(
      `INSERT INTO "Channel"(id, code, name, kind, mode, "updatedAt") SELECT gen_random_uuid(), c, c, 'b2b', 'live', now() FROM unnest($1::text[]) c`,
      [CHANNELS],
    )
    await pool.query(
      `INSERT INTO "Sku"(id, code, name, category, "updatedAt") SELECT gen_random_uuid(), 'B-' || lpad(g::text, 6, '0'), 'bench', 'cat-' || (g % 20), now() FROM generate_series(1, $1::int) g`,
      [opts.skus],
    )
    await pool.query(
      `INSERT INTO "Position"("skuId", "locationId", "onHand", reserved) SELECT s.id, l.id, (hashtext(s.code || l.code) & 255), (hashtext(l.code || s.code) & 7) FROM "Sku" s CROSS JOIN "Location" l`,
    )
    await pool.query(
      `INSERT INTO "ChannelListing"(id, "channelId", "skuId", "externalSku") SELECT gen_random_uuid(), c.id, s.id, c.code || '-' || s.code FROM "Sku" s CROSS JOIN "Channel" c`,
    )
    await pool.query(
      `INSERT INTO "RuleSetVersion"(id, number, rules, "effectiveFrom", "activatedAt") VALUES ('rs-0001', 1, $1::jsonb, 'epoch', now())`,
      [JSON.stringify(BENCH_RULES)],
    )
    await pool.query(`VACUUM ANALYZE`)
    log(
      `  recompute-100k: ${opts.skus.toLocaleString('en-US')} SKUs x ${CHANNELS.length} channels x ${LOCATIONS.length} locations loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    )

    // Ours: every SKU dirty (as after a rule save), drained by two concurrent loops.
    await pool.query(`INSERT INTO "AvailabilityDirty"("skuId", since) SELECT id, now() FROM "Sku"`)
    await pool.query('CHECKPOINT')
    const db = createPrisma(url.toString(), { max: 4 })
    const t0 = process.hrtime.bigint()
    // The recompute job's own code: two lanes, looping until the outbox is empty.
    for (;;) {
      const r = await recomputeInLanes(db, { lanes: 2, batchSize: 500, budgetMs: 600_000 })
      if (r.processed === 0) break
    }
    const recomputeSeconds = Number(process.hrtime.bigint() - t0) / 1e9
    const stored = Number((await pool.query(`SELECT count(*)::int AS n FROM "AvailabilityDecision"`)).rows[0].n)
    const withSteps = Number(
      (
        await pool.query(
          `SELECT count(*)::int AS n FROM "ChannelListing" cl JOIN "AvailabilityDecision" d ON d.id = cl."decisionId" WHERE json_array_length(d.steps) >= 6`,
        )
      ).rows[0].n,
    )
    if (withSteps !== opts.skus * CHANNELS.length)
      throw new Error(
        `recompute-100k: ${withSteps} listings have a stored explanation, expected ${opts.skus * CHANNELS.length}`,
      )

    // Impact preview of a candidate (more safety stock everywhere): decides every pair, writes nothing.
    const candidate = RuleSetSchema.parse({
      ...BENCH_RULES,
      defaults: { ...BENCH_RULES.defaults, safetyStock: { units: 6 } },
    })
    const t1 = process.hrtime.bigint()
    const impact = await previewRuleImpact(db, candidate, { chunk: 2000 })
    const previewSeconds = Number(process.hrtime.bigint() - t1) / 1e9
    const previewPairs = impact.channels.reduce((s, c) => s + c.listings, 0)
    await db.$disconnect()

    // Baseline: the same rows written without deciding anything.
    await pool.query(`CREATE TABLE bench_decision (LIKE "AvailabilityDecision" INCLUDING DEFAULTS)`)
    await pool.query('CHECKPOINT')
    const t2 = process.hrtime.bigint()
    const fixedSteps = JSON.stringify([
      { step: 'pool', quantity: 1, detail: 'sellable at eligible locations: DC-EAST 1 + DC-WEST 0 + 3PL-CENTRAL 0' },
      { step: 'safety_stock', quantity: 1, detail: 'minus safety stock 0 (default rule: 0 units)' },
      { step: 'waterfall', quantity: 1, detail: 'no higher-priority ring-fences' },
      { step: 'in_flight_buffer', quantity: 1, detail: 'in-flight buffer off for this channel' },
      { step: 'share', quantity: 1, detail: 'shared pool: may sell all of what remains' },
      { step: 'result', quantity: 1, detail: 'never negative, rounded down' },
    ])
    await pool.query(
      `INSERT INTO bench_decision(id, "listingId", "skuId", "channelId", quantity, "listingVersion", "ruleVersionIds", "holdbackIds", inputs, steps, "eventIds", "decidedAt")
                      SELECT nextval('"AvailabilityDecision_id_seq"'), cl.id, cl."skuId", cl."channelId", 1, 1, ARRAY['rs-0001'], '{}', '{"locations":[]}'::jsonb, $1::jsonb, '{}', now() FROM "ChannelListing" cl`,
      [fixedSteps],
    )
    await pool.query(
      `UPDATE "ChannelListing" cl SET "desiredQuantity" = 1, "desiredVersion" = cl."desiredVersion" + 1, "decidedAt" = now() FROM bench_decision d WHERE d."listingId" = cl.id`,
    )
    const baselineSeconds = Number(process.hrtime.bigint() - t2) / 1e9
    await pool.end()
    return {
      skus: opts.skus,
      channels: CHANNELS.length,
      pairs: opts.skus * CHANNELS.length,
      recomputeSeconds,
      decisions: stored,
      baselineSeconds,
      previewSeconds,
      previewPairs,
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {})
    await admin.end()
  }
}
