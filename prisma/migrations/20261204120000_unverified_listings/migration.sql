-- A channel's listings accepted at their latest sent version and not yet read back as applied
-- (UNVERIFIED_SQL in server/publishing/verify-channel.ts), oldest acceptance first: every
-- verification run reads a batch of them. Without this index that read took every listing of the
-- channel and sorted the matches (the comparison of two columns is no index condition): 0.8 to
-- 2.7 s per run at 100,000 listings per channel, among PostgreSQL's busiest statements in the
-- 100,000-SKU pipeline. The index holds only the listings awaiting verification, in the order read.
CREATE INDEX "ChannelListing_unverified_idx" ON "ChannelListing" ("channelId", "acceptedAt")
  WHERE "acceptedVersion" > "appliedVersion" AND "acceptedVersion" = "publishedVersion";
