// Starts the four marketplace simulators the demo (and end-to-end tests) publish to.
// Plans: 'demo' is generous (2,000 SKUs x 4 channels publish in well under a minute, no faults);
// 'realistic' uses the marketplaces' real limits and delays. Faults are switched on at runtime
// through each simulator's `POST /_sim/config`.
//
// Each speaks its marketplace's current contract: Shopify validates every GraphQL document against
// Shopify's schema of the version in the URL; Walmart and Amazon issue expiring access tokens
// (POST /v3/token, 900 s; Login with Amazon POST /auth/o2/token, 3600 s) and refuse others.
// Simulator code is organised per marketplace (one class each on simulators/core/simulator-base.ts;
// Shopify's root fields are a table in shopify.ts). Buyers' orders reach Stocktower each
// marketplace's own way: Shopify and the B2B portal push webhooks (`orderWebhooks`), Amazon and
// Walmart answer their orders APIs.
import path from 'node:path'
import { AmazonSimulator, type AmazonSimulatorOptions } from './amazon'
import { B2bSimulator, type B2bSimulatorOptions } from './b2b'
import type { SimulatorPlanName } from './core/knobs'
import { ShopifySimulator, type ShopifySimulatorOptions } from './shopify'
import { WalmartSimulator, type WalmartSimulatorOptions } from './walmart'

export { shopifyInventoryItemGid } from './shopify'
export type { SimulatorKind, RecordedRequest } from './core/simulator-base'

export interface StartSimulatorsOptions {
  /** Default 127.0.0.1. */
  host?: string
  /** 0 or missing: a free port. */
  ports?: { shopify?: number; amazon?: number; walmart?: number; b2b?: number }
  /** Folder for `<kind>.json` state files (listings survive restarts); none: in memory only. */
  stateDir?: string
  plan: SimulatorPlanName
  /** The B2B portal's signing secret (the B2B channel's `signingSecret` credential). */
  b2bSecret: string
  /** PRNG seed for fault knobs; each simulator derives its own from it. */
  seed?: number
  /** Listings to create at start when missing (e.g. SKU-00001..SKU-02000), so no channel calls them unknown. */
  catalog?: { skus: readonly string[]; quantity?: number }
  /**
   * Credentials each simulator insists on; missing: any non-empty ones are accepted. Amazon and
   * Walmart always issue expiring access tokens from their token endpoints and refuse others.
   */
  credentials?: {
    shopify?: { accessToken: string }
    amazon?: { clientId: string; clientSecret: string; refreshToken: string }
    walmart?: { clientId: string; clientSecret: string }
  }
  /** Access token lifetimes (default: the marketplaces' own, Amazon 3600 s, Walmart 900 s). */
  tokenLifetimeSeconds?: { amazon?: number; walmart?: number }
  /** Extra per-simulator options (knob overrides, Amazon's unknownSkuOnPatch, ...). */
  overrides?: {
    shopify?: Partial<ShopifySimulatorOptions>
    amazon?: Partial<AmazonSimulatorOptions>
    walmart?: Partial<WalmartSimulatorOptions>
    b2b?: Partial<B2bSimulatorOptions>
  }
  /**
   * Where the pushing marketplaces send their order webhooks: Shopify to
   * `${apiBaseUrl}/api/v1/channels/shopify/webhooks` signed with `shopifySecret` (the Shopify
   * channel's `webhookSecret`), the B2B portal to `.../channels/b2b/webhooks` signed with `b2bSecret`.
   * Amazon and Walmart need nothing: Stocktower polls their orders APIs.
   */
  orderWebhooks?: { apiBaseUrl: string; shopifySecret?: string }
  log?: (line: string) => void
}

export interface RunningSimulators {
  urls: { shopify: string; amazon: string; walmart: string; b2b: string }
  sims: { shopify: ShopifySimulator; amazon: AmazonSimulator; walmart: WalmartSimulator; b2b: B2bSimulator }
  close(): Promise<void>
}

/** Stocktower's order webhook receiver for a channel (shared-15: one per channel). */
export function channelWebhookUrl(apiBaseUrl: string, channel: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/api/v1/channels/${channel}/webhooks`
}

export async function startSimulators(options: StartSimulatorsOptions): Promise<RunningSimulators> {
  const host = options.host ?? '127.0.0.1'
  const seed = options.seed ?? 1
  const stateFile = (kind: string) => (options.stateDir ? path.join(options.stateDir, `${kind}.json`) : undefined)
  const common = (kind: string, offset: number) => ({
    host,
    plan: options.plan,
    seed: seed + offset,
    stateFile: stateFile(kind),
    log: options.log,
  })

  const sims = {
    shopify: new ShopifySimulator({
      ...common('shopify', 1),
      port: options.ports?.shopify ?? 0,
      accessToken: options.credentials?.shopify?.accessToken,
      ...(options.orderWebhooks
        ? {
            appSecret: options.orderWebhooks.shopifySecret,
            webhooks: [
              {
                url: channelWebhookUrl(options.orderWebhooks.apiBaseUrl, 'shopify'),
                secret: options.orderWebhooks.shopifySecret,
              },
            ],
          }
        : {}),
      ...options.overrides?.shopify,
    }),
    amazon: new AmazonSimulator({
      ...common('amazon', 2),
      port: options.ports?.amazon ?? 0,
      lwa: options.credentials?.amazon,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds?.amazon,
      ...options.overrides?.amazon,
    }),
    walmart: new WalmartSimulator({
      ...common('walmart', 3),
      port: options.ports?.walmart ?? 0,
      clientId: options.credentials?.walmart?.clientId,
      clientSecret: options.credentials?.walmart?.clientSecret,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds?.walmart,
      ...options.overrides?.walmart,
    }),
    b2b: new B2bSimulator({
      ...common('b2b', 4),
      port: options.ports?.b2b ?? 0,
      secret: options.b2bSecret,
      ...(options.orderWebhooks
        ? { orderWebhooks: [{ url: channelWebhookUrl(options.orderWebhooks.apiBaseUrl, 'b2b') }] }
        : {}),
      ...options.overrides?.b2b,
    }),
  }

  const started: Array<{ close(): Promise<void> }> = []
  try {
    for (const sim of Object.values(sims)) {
      await sim.start()
      started.push(sim)
    }
  } catch (error) {
    // One port taken must not leave the other three listening.
    await Promise.all(started.map((sim) => sim.close()))
    throw error
  }

  if (options.catalog) {
    for (const sim of Object.values(sims)) sim.seed(options.catalog.skus, options.catalog.quantity ?? 0)
  }

  return {
    urls: { shopify: sims.shopify.url, amazon: sims.amazon.url, walmart: sims.walmart.url, b2b: sims.b2b.url },
    sims,
    close: async () => {
      await Promise.all(Object.values(sims).map((sim) => sim.close()))
    },
  }
}
