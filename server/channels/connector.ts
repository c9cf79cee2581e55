// The one interface every channel connector implements. Connectors are framework-free and
// database-free: they turn listing updates into the marketplace's real request shapes over HTTP
// and classify what came back. The publishing stage (server/publishing) owns leases, versions,
// attempts, retries and dead letters; a connector never touches the database.

/** One listing's quantity to send. */
export interface ListingUpdate {
  listingId: string
  /** The channel's seller SKU for this listing. */
  externalSku: string
  /** The channel's own id where it has one (Shopify inventory item gid, Walmart item id). */
  externalId: string | null
  quantity: number
  /** The quantity we believe the channel holds now (last applied), for compare-and-set; null if unknown. */
  expectedCurrent: number | null
  /** Our desired version being sent; used to build idempotency keys. */
  version: number
}

export type UpdateOutcome =
  /** The channel confirmed the new quantity in its response (verified). */
  | { listingId: string; outcome: 'applied'; appliedQuantity: number }
  /** The channel took the update but applies it asynchronously: verify later by read-back. */
  | { listingId: string; outcome: 'accepted'; submissionId?: string }
  /** Permanent: the channel refused this update (validation, unknown listing). Goes to a dead letter. */
  | { listingId: string; outcome: 'rejected'; code: string; message: string }
  /** Transient: retry with backoff (timeouts, 5xx, 429, compare-and-set conflict). */
  | { listingId: string; outcome: 'failed'; code: string; message: string; retryAfterMs?: number }

export interface PushResult {
  outcomes: UpdateOutcome[]
  /** HTTP status of the (last) request, when one was made. */
  httpStatus?: number
  latencyMs: number
  /** Small summaries for the attempt row (never credentials). */
  request?: unknown
  response?: unknown
  /** Set when the channel throttled us: the whole channel should wait this long. */
  throttledForMs?: number
}

export interface ReadBack {
  listingId: string
  /** The quantity the channel shows now; null when the channel does not know the listing. */
  quantity: number | null
}

export interface ConnectorConfig {
  /** Production, sandbox or a local simulator. */
  baseUrl: string
  /** Decrypted credentials (API tokens, client secrets, signing secret). */
  credentials: Record<string, string>
  /** Non-secret settings (seller id, marketplace id, location id, webhook path, ...). */
  settings: Record<string, unknown>
  /** Per-request timeout. */
  timeoutMs?: number
}

export interface Connector {
  readonly kind: string
  /** How many listing updates one push may carry (1 for per-listing APIs). */
  readonly maxBatchSize: number
  /** How many pushes may be in flight at once within one claim (default 1; per-listing APIs use more). */
  readonly maxConcurrency?: number
  pushQuantities(updates: ListingUpdate[]): Promise<PushResult>
  readQuantities(listings: Array<Pick<ListingUpdate, 'listingId' | 'externalSku' | 'externalId'>>): Promise<ReadBack[]>
}
