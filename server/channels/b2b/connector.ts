// B2B portal connector: signed webhooks carrying up to 500 quantity updates, each with our desired
// version so the portal can drop an older update that arrives late. A 2xx is applied (the portal
// confirms synchronously), per update when the portal answers with results.
// Read-back is a signed `GET <inventoryPath>?skus=A,B,C` (signature over the request target).
import type { z } from 'zod'
import type { Connector, ConnectorConfig, ListingUpdate, PushResult, ReadBack, UpdateOutcome } from '../connector'
import {
  answeredResult,
  classifyHttpStatus,
  DEFAULT_TIMEOUT_MS,
  joinUrl,
  noResponseFailure,
  outcomesForAll,
  readErrorFrom,
  sendChannelRequest,
  throttleOf,
  type ChannelResponse,
  type FailureClass,
} from '../channel-http'
import { inventoryReadSchema, parseB2bConfig, portalErrorSchema, webhookResponseSchema } from './b2b.schema'
import { signatureHeaders } from './signature'
import { pushInBatches } from '../push-sequentially'

/** Keeps read URLs well under common 8 KiB request-line limits. */
const READ_CHUNK = 200

export function createB2bConnector(config: ConnectorConfig): Connector {
  const { settings, credentials, timeoutMs } = parseB2bConfig(config, DEFAULT_TIMEOUT_MS)
  const { signingSecret } = credentials

  async function pushBatch(updates: readonly ListingUpdate[]): Promise<PushResult> {
    const body = JSON.stringify({
      updates: updates.map((update) => ({
        sku: update.externalSku,
        quantity: update.quantity,
        version: update.version,
      })),
    })
    const response = await sendChannelRequest({
      method: 'POST',
      url: joinUrl(config.baseUrl, settings.webhookPath),
      headers: signatureHeaders(signingSecret, body),
      body,
      timeoutMs,
    })
    const request = { operation: 'inventoryWebhook', path: settings.webhookPath, updates: updates.length }
    if (response.kind === 'no-response')
      return { outcomes: outcomesForAll(updates, noResponseFailure(response)), latencyMs: response.latencyMs, request }
    const result = answeredResult(response, request)
    if (response.status < 200 || response.status >= 300) {
      const failure = portalFailure(response)
      return { ...result, ...throttleOf(failure), outcomes: outcomesForAll(updates, failure) }
    }
    const parsed = webhookResponseSchema.safeParse(response.json ?? {})
    if (!parsed.success) {
      // The portal said 2xx, so it took the batch; an unreadable body does not change that.
      return { ...result, outcomes: updates.map((update) => applied(update, update.quantity)) }
    }
    const results = parsed.data.results
    if (!results) return { ...result, outcomes: updates.map((update) => applied(update, update.quantity)) }
    return { ...result, outcomes: outcomesFromResults(updates, results) }
  }

  return {
    kind: 'b2b',
    maxBatchSize: settings.maxBatchSize,
    readBatchSize: READ_CHUNK,

    pushQuantities: (updates) => pushInBatches(updates, settings.maxBatchSize, pushBatch),

    async readQuantities(listings) {
      const quantities = new Map<string, number>()
      const skus = [...new Set(listings.map((listing) => listing.externalSku))]
      for (let start = 0; start < skus.length; start += READ_CHUNK) {
        const chunk = skus.slice(start, start + READ_CHUNK)
        const url = new URL(
          joinUrl(config.baseUrl, `${settings.inventoryPath}?skus=${chunk.map(encodeURIComponent).join(',')}`),
        )
        for (const item of await readInventory(url, signingSecret, timeoutMs)) quantities.set(item.sku, item.quantity)
      }
      return listings.map((listing): ReadBack => ({
        listingId: listing.listingId,
        quantity: quantities.get(listing.externalSku) ?? null,
      }))
    },
  }
}

/** One signed inventory read; any failure is a read error. */
async function readInventory(url: URL, signingSecret: string, timeoutMs: number) {
  // Sign exactly the target the server will see (the URL as normalised and sent).
  const target = `${url.pathname}${url.search}`
  const response = await sendChannelRequest({
    method: 'GET',
    url: url.toString(),
    headers: signatureHeaders(signingSecret, target),
    timeoutMs,
  })
  if (response.kind === 'no-response') throw readErrorFrom(noResponseFailure(response))
  if (response.status !== 200) throw readErrorFrom(portalFailure(response), response.status)
  const body = inventoryReadSchema.safeParse(response.json)
  if (!body.success)
    throw readErrorFrom(
      { outcome: 'failed', code: 'UNEXPECTED_RESPONSE', message: body.error.message.slice(0, 300) },
      response.status,
    )
  return body.data.items
}

/** The portal's per-update results as outcomes: applied, ignored (it holds a newer version) or rejected. */
function outcomesFromResults(
  updates: readonly ListingUpdate[],
  results: NonNullable<z.infer<typeof webhookResponseSchema>['results']>,
): UpdateOutcome[] {
  // Results come in request order; fall back to matching by SKU if a portal reorders them.
  const aligned =
    results.length === updates.length && results.every((entry, index) => entry.sku === updates[index]!.externalSku)
  const bySku = new Map(results.map((entry) => [entry.sku, entry]))
  return updates.map((update, index): UpdateOutcome => {
    const entry = aligned ? results[index] : bySku.get(update.externalSku)
    if (!entry)
      return {
        listingId: update.listingId,
        outcome: 'failed',
        code: 'NO_RESULT',
        message: 'the portal returned no result for this SKU',
      }
    if (entry.status === 'applied') return applied(update, entry.quantity)
    if (entry.status === 'ignored') {
      // The portal holds a newer version than ours: our numbering went backwards; an operator must look.
      return {
        listingId: update.listingId,
        outcome: 'rejected',
        code: entry.reason,
        message: `portal kept version ${entry.version ?? '?'} (quantity ${entry.quantity ?? '?'}) over our version ${update.version}`,
      }
    }
    return {
      listingId: update.listingId,
      outcome: 'rejected',
      code: entry.code,
      message: entry.message ?? entry.code,
    }
  })
}

function applied(update: ListingUpdate, quantity: number): UpdateOutcome {
  return { listingId: update.listingId, outcome: 'applied', appliedQuantity: quantity }
}

function portalFailure(response: Extract<ChannelResponse, { kind: 'response' }>): FailureClass {
  const error = portalErrorSchema.safeParse(response.json)
  const detail = error.success ? `${error.data.error.code}: ${error.data.error.message ?? ''}` : response.text
  const failure = classifyHttpStatus(response.status, response.headers, detail)
  // A refused signature is a credentials problem on our side (wrong or rotated secret).
  if (response.status === 401 && failure.outcome === 'rejected') return { ...failure, code: 'SIGNATURE_REJECTED' }
  return failure
}
