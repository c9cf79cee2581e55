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
  /**
   * Transient: retry with backoff (timeouts, 5xx, 429, compare-and-set conflict). `collateral`: not
   * tried on its own merit (another update in the same all-or-nothing call was refused): sent again
   * at once, and it does not use up the listing's retries.
   */
  | { listingId: string; outcome: 'failed'; code: string; message: string; retryAfterMs?: number; collateral?: true }

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

/**
 * A run may wait this long for a marketplace's own limit (`Connector.readyInMs`); longer, it comes
 * back later instead of holding a worker slot.
 */
export const MAX_INLINE_PACE_MS = 1_000

export interface ConnectorConfig {
  /** Production, sandbox or a local simulator. */
  baseUrl: string
  /** Decrypted credentials (API tokens, client secrets, signing secret). */
  credentials: Record<string, string>
  /** Non-secret settings (seller id, marketplace id, location id, webhook path, ...). */
  settings: Record<string, unknown>
  /** Per-request timeout. */
  timeoutMs?: number
  /** Clock for access token lifetimes and pacing (tests share the simulator's); default Date.now. */
  now?: () => number
  /** How a connector waits before a call it paces (Shopify's cost bucket); tests advance their clock instead. */
  sleep?: (ms: number) => Promise<void>
}

export interface Connector {
  readonly kind: string
  /** How many listing updates one push may carry (1 for per-listing APIs). */
  readonly maxBatchSize: number
  /**
   * How many listings one read call covers (readQuantities makes ceil(n / readBatchSize) calls):
   * read-backs spend the channel's rate budget by it.
   */
  readonly readBatchSize: number
  /** How many pushes may be in flight at once within one claim (default 1; per-listing APIs use more). */
  readonly maxConcurrency?: number
  /**
   * How long until the marketplace's own limit, as its last answers described it, lets a full batch
   * go (Shopify's cost bucket); 0 when it may go now or nothing is known. The publisher comes back
   * then instead of holding a worker slot while the connector waits.
   */
  readyInMs?(): number
  pushQuantities(updates: ListingUpdate[]): Promise<PushResult>
  readQuantities(listings: Array<Pick<ListingUpdate, 'listingId' | 'externalSku' | 'externalId'>>): Promise<ReadBack[]>
  /**
   * The marketplace's bulk (feed) path, when it has one (Amazon JSON_LISTINGS_FEED, Walmart
   * inventory feed). Optional: connectors without it publish through pushQuantities only. The
   * publisher chooses it for a backlog (server/publishing/publish-bulk.ts); small changes keep the
   * per-listing path, which is faster end to end.
   */
  readonly bulk?: BulkPublisher
}

// ---- bulk (feed) path ---------------------------------------------------------------------------
//
// A feed is asynchronous: one submission carries many listings, the marketplace processes it
// minutes later and reports per message. So the bulk path is a submit/poll pair instead of one
// call, and everything the poll needs is in a JSON-serialisable handle (it may be stored between
// the two, e.g. in the feed's attempt rows, so no process has to wait for a feed to finish).
//
// Per-message results map to the same UpdateOutcome vocabulary as pushQuantities, with the same
// codes the connector's per-listing path uses: accepted / applied / rejected (the marketplace's
// issue code and message in `message`) / failed. A feed that fails as a whole (Amazon FATAL or
// CANCELLED, Walmart ERROR) is `failed` (transient) for every listing in it; sending the newest
// quantity again is always safe.

/** One listing inside a submitted feed. */
export interface BulkFeedMessage {
  /** Position-based id the marketplace reports results by (Amazon messageId: 1..n). */
  messageId: number
  listingId: string
  externalSku: string
  quantity: number
}

/** Everything needed to poll a submitted feed and map its results back to listings. */
export interface BulkFeedHandle {
  /** The marketplace's feed id. */
  feedId: string
  /** The marketplace's feed type (JSON_LISTINGS_FEED, inventory). */
  feedType: string
  submittedAt: string
  messages: BulkFeedMessage[]
  /** Connector-specific, non-secret ids (e.g. Amazon's input feed document id). */
  details?: Record<string, string>
}

export type BulkSubmitResult =
  | {
      status: 'submitted'
      handle: BulkFeedHandle
      latencyMs: number
      httpStatus?: number
      /** Small summaries for the attempt rows (never credentials, never the whole document). */
      request?: unknown
      response?: unknown
    }
  /** The feed was not created: `result` holds an outcome for every update (throttled, down, refused). */
  | { status: 'not_submitted'; result: PushResult }

export type BulkPollResult =
  /** Still queued or processing, or its status could not be read right now: poll again later. */
  | { status: 'pending'; feedStatus: string; latencyMs: number; retryAfterMs?: number; message?: string }
  /** Finished: an outcome for every message of the handle. */
  | { status: 'done'; feedStatus: string; result: PushResult }

export interface BulkPublisher {
  readonly feedType: string
  /** Most listings one feed may carry. */
  readonly maxUpdatesPerFeed: number
  /** Longest pause between two polls of one feed (pollers start faster and back off to this). */
  readonly maxPollIntervalMs: number
  submitFeed(updates: ListingUpdate[]): Promise<BulkSubmitResult>
  pollFeed(handle: BulkFeedHandle): Promise<BulkPollResult>
}
