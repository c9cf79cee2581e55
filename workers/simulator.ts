// Demo-only process: the local marketplaces (Shopify, Amazon, Walmart, B2B portal) and, when
// traffic is on, the generated ERP events (sent through the real public API) and buyers shopping
// on the marketplaces. Orders reach Stocktower only the marketplaces' own way: Shopify and the
// B2B portal send order webhooks to STOCKTOWER_API_URL, Amazon and Walmart answer orders APIs.
// Prints one line `SIMULATORS {json urls}` once listening, which the orchestrator reads.
import path from 'node:path'
import { startSimulators } from '../simulators'
import { startTraffic } from '../simulators/traffic'
import { DEMO_KIT_COUNT, demoExternalSkus, externalSkuFor } from '../server/demo/seed-demo'

async function main() {
  const dataDir = process.env.STOCKTOWER_DATA_DIR ?? '.stocktower'
  const apiBaseUrl = process.env.STOCKTOWER_API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`
  const shopifySecret = process.env.STOCKTOWER_SHOPIFY_WEBHOOK_SECRET
  if (!shopifySecret)
    console.warn(
      "[simulator] STOCKTOWER_SHOPIFY_WEBHOOK_SECRET is not set: Shopify order webhooks are signed with the simulator's default app secret",
    )
  // Pinned ports (`npm run simulators` in a deployment of several processes), else any free ones.
  const base = Number(process.env.STOCKTOWER_SIMULATOR_PORT_BASE ?? 0)
  const sims = await startSimulators({
    host: '127.0.0.1',
    ports: base > 0 ? { shopify: base, amazon: base + 1, walmart: base + 2, b2b: base + 3 } : undefined,
    stateDir: process.env.STOCKTOWER_SIMULATOR_STATE === 'off' ? undefined : path.join(dataDir, 'simulators'),
    plan: 'demo',
    b2bSecret: process.env.STOCKTOWER_B2B_SIGNING_SECRET ?? '',
    orderWebhooks: { apiBaseUrl, shopifySecret: shopifySecret || undefined },
  })
  // Each marketplace already lists the demo catalogue under its own seller SKUs.
  const skuCount = Number(process.env.STOCKTOWER_DEMO_SKUS ?? 2000)
  for (const kind of ['shopify', 'amazon', 'walmart', 'b2b'] as const)
    sims.sims[kind].seed(demoExternalSkus(kind, skuCount), 0)
  process.stdout.write(`SIMULATORS ${JSON.stringify(sims.urls)}\n`)
  let traffic: { stop(): void | Promise<void> } | undefined
  if (process.env.STOCKTOWER_TRAFFIC === 'on') {
    traffic = startTraffic({
      apiBaseUrl,
      apiKey: process.env.STOCKTOWER_DEMO_API_KEY ?? '',
      skuCount: Number(process.env.STOCKTOWER_DEMO_SKUS ?? 2000),
      marketplaces: sims.urls,
      channelSku: externalSkuFor,
      kitCount: DEMO_KIT_COUNT,
    })
    console.log('[simulator] demo traffic on')
  }
  const stop = async () => {
    await traffic?.stop()
    await sims.close()
    process.exit(0)
  }
  // Under `npm start` a terminal's Ctrl-C reaches every process; the orchestrator then stops us
  // with SIGTERM in a safe order (web and workers, simulators, PostgreSQL), so ignore it here.
  process.on('SIGINT', process.env.STOCKTOWER_MANAGED === '1' ? () => {} : stop)
  process.on('SIGTERM', stop)
  // `kill -USR2 <simulator pid>`: the buyers and the ERP stop, the marketplaces stay up (watch every
  // channel converge to our numbers once traffic stops; the runbook's quiet-period check).
  process.on('SIGUSR2', () => {
    void Promise.resolve(traffic?.stop()).then(() =>
      console.log('[simulator] demo traffic stopped (SIGUSR2); marketplaces still up'),
    )
    traffic = undefined
  })
}

main().catch((e) => {
  console.error('[simulator] fatal:', e)
  process.exit(1)
})
