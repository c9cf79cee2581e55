-- Read paths at catalogue scale (issue 20): the dashboard, KPIs and channel page read listing
-- state from a per-channel rollup instead of counting every listing on every refetch, the
-- "out of sync" list and the waiting-age reads use partial indexes on waiting listings, and SKU
-- search (ILIKE '%q%' on code and name) uses trigram indexes.

-- When a listing started waiting, null when the channel shows what we decided. The one definition
-- (server/metrics/channel-health.ts calls it): pendingSince is the oldest input not sent yet,
-- publishedInputAt the oldest input of what was sent and is not applied yet, decidedAt when
-- neither is known (a listing never published).
CREATE FUNCTION listing_waiting_since(desired_version int, applied_version int, published_version int,
  pending_since timestamptz, published_input_at timestamptz, decided_at timestamptz)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN desired_version > applied_version THEN COALESCE(LEAST(pending_since,
    CASE WHEN published_version > applied_version THEN published_input_at END), decided_at) END
$$;

-- CreateTable
CREATE TABLE "ChannelListingState" (
    "id" BIGSERIAL NOT NULL,
    "channelId" UUID NOT NULL,
    "waiting" BOOLEAN NOT NULL,
    "sinceMinute" TIMESTAMPTZ(3),
    "listings" INTEGER NOT NULL,
    "inSync" INTEGER NOT NULL,
    "failing" INTEGER NOT NULL,

    CONSTRAINT "ChannelListingState_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChannelListingState_channelId_idx" ON "ChannelListingState"("channelId");

-- Maintained by statement triggers on ChannelListing: every statement that inserts, updates or
-- deletes listings appends, per channel, waiting or not and waiting-since minute, what it added
-- minus what it removed (append only: concurrent writers never wait on a shared counter row).
-- Reads sum the rows (server/metrics/listing-states.ts), compactListingStates folds them.
-- Only active listings count, as on the screens. TRUNCATE of the listings empties it. One static
-- statement per operation (PL/pgSQL plans a statement when first run and keeps the plan, and a
-- statement naming a transition table its trigger lacks is never run). The body is an escape string
-- with \073 for each semicolon: Prisma's migration runner splits a script at semicolons, even
-- inside dollar quotes.
CREATE FUNCTION channel_listing_state_delta() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''TRUNCATE'' THEN
    DELETE FROM "ChannelListingState"\073
  ELSIF TG_OP = ''INSERT'' THEN
    INSERT INTO "ChannelListingState" ("channelId", waiting, "sinceMinute", listings, "inSync", failing)
    SELECT r."channelId", r."desiredVersion" > r."appliedVersion",
           date_bin(''1 minute'', listing_waiting_since(r."desiredVersion", r."appliedVersion", r."publishedVersion", r."pendingSince", r."publishedInputAt", r."decidedAt"), ''epoch''::timestamptz),
           sum(r.sign), sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int), sum(r.sign * (r."lastError" IS NOT NULL)::int)
      FROM (SELECT 1 AS sign, n.* FROM new_rows n) r WHERE r.active
     GROUP BY 1, 2, 3
    HAVING sum(r.sign) <> 0 OR sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int) <> 0
        OR sum(r.sign * (r."lastError" IS NOT NULL)::int) <> 0\073
  ELSIF TG_OP = ''DELETE'' THEN
    INSERT INTO "ChannelListingState" ("channelId", waiting, "sinceMinute", listings, "inSync", failing)
    SELECT r."channelId", r."desiredVersion" > r."appliedVersion",
           date_bin(''1 minute'', listing_waiting_since(r."desiredVersion", r."appliedVersion", r."publishedVersion", r."pendingSince", r."publishedInputAt", r."decidedAt"), ''epoch''::timestamptz),
           sum(r.sign), sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int), sum(r.sign * (r."lastError" IS NOT NULL)::int)
      FROM (SELECT -1 AS sign, o.* FROM old_rows o) r WHERE r.active
     GROUP BY 1, 2, 3
    HAVING sum(r.sign) <> 0 OR sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int) <> 0
        OR sum(r.sign * (r."lastError" IS NOT NULL)::int) <> 0\073
  ELSE
    INSERT INTO "ChannelListingState" ("channelId", waiting, "sinceMinute", listings, "inSync", failing)
    SELECT r."channelId", r."desiredVersion" > r."appliedVersion",
           date_bin(''1 minute'', listing_waiting_since(r."desiredVersion", r."appliedVersion", r."publishedVersion", r."pendingSince", r."publishedInputAt", r."decidedAt"), ''epoch''::timestamptz),
           sum(r.sign), sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int), sum(r.sign * (r."lastError" IS NOT NULL)::int)
      FROM (SELECT 1 AS sign, n.* FROM new_rows n UNION ALL SELECT -1, o.* FROM old_rows o) r WHERE r.active
     GROUP BY 1, 2, 3
    HAVING sum(r.sign) <> 0 OR sum(r.sign * (r."desiredVersion" > 0 AND r."appliedVersion" >= r."desiredVersion")::int) <> 0
        OR sum(r.sign * (r."lastError" IS NOT NULL)::int) <> 0\073
  END IF\073
  RETURN NULL\073
END
';

CREATE TRIGGER "ChannelListing_state_insert" AFTER INSERT ON "ChannelListing"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION channel_listing_state_delta();
CREATE TRIGGER "ChannelListing_state_update" AFTER UPDATE ON "ChannelListing"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION channel_listing_state_delta();
CREATE TRIGGER "ChannelListing_state_delete" AFTER DELETE ON "ChannelListing"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION channel_listing_state_delta();
CREATE TRIGGER "ChannelListing_state_truncate" AFTER TRUNCATE ON "ChannelListing"
  FOR EACH STATEMENT EXECUTE FUNCTION channel_listing_state_delta();

-- The listings already there.
INSERT INTO "ChannelListingState" ("channelId", waiting, "sinceMinute", listings, "inSync", failing)
SELECT "channelId", "desiredVersion" > "appliedVersion",
       date_bin('1 minute', listing_waiting_since("desiredVersion", "appliedVersion", "publishedVersion", "pendingSince", "publishedInputAt", "decidedAt"), 'epoch'::timestamptz),
       count(*), count(*) FILTER (WHERE "desiredVersion" > 0 AND "appliedVersion" >= "desiredVersion"), count(*) FILTER (WHERE "lastError" IS NOT NULL)
  FROM "ChannelListing" WHERE active GROUP BY 1, 2, 3;

-- Waiting listings by channel and since when: the oldest waiting age and the stale count of the
-- minute at the SLO boundary (the rollup counts whole minutes), without reading the others.
CREATE INDEX "ChannelListing_waiting_since_idx" ON "ChannelListing" ("channelId",
  listing_waiting_since("desiredVersion", "appliedVersion", "publishedVersion", "pendingSince", "publishedInputAt", "decidedAt"))
  WHERE active AND "desiredVersion" > "appliedVersion";

-- The SKU explorer's "out of sync" filter: the SKUs of waiting listings.
CREATE INDEX "ChannelListing_waiting_sku_idx" ON "ChannelListing" ("skuId") WHERE active AND "desiredVersion" > "appliedVersion";

-- Its "failing" filter: the SKUs of listings whose last publish failed.
CREATE INDEX "ChannelListing_failing_sku_idx" ON "ChannelListing" ("skuId") WHERE active AND "lastError" IS NOT NULL;

-- SKU search: code or name containing the query, case-insensitive (Prisma's contains +
-- insensitive is ILIKE '%q%'), served by trigram indexes. pg_trgm ships with PostgreSQL's contrib
-- (embedded-postgres includes it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Sku_code_trgm_idx" ON "Sku" USING GIN ("code" gin_trgm_ops);
CREATE INDEX "Sku_name_trgm_idx" ON "Sku" USING GIN ("name" gin_trgm_ops);

-- The dashboard's oversold units of the last 24 h and the KPIs' incidents per window.
-- CreateIndex
CREATE INDEX "OversellIncident_detectedAt_idx" ON "OversellIncident"("detectedAt");
