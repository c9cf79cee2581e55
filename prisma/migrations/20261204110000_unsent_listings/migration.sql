-- A channel's listings with a decided number not sent yet (UNSENT_SQL in
-- server/publishing/lock-listings.ts): every publish run counts, claims and looks for the next
-- claimable of them. Without this index each of those statements read every listing of the
-- channel (the comparison of two columns is no index condition): 589 ms per claim at 200,000
-- listings per channel with 10 unsent, and PostgreSQL's busiest statements in the 100,000-SKU
-- pipeline. The index holds only the unsent listings, so the cost follows the backlog.
CREATE INDEX "ChannelListing_unsent_idx" ON "ChannelListing" ("channelId")
  WHERE active AND "desiredQuantity" IS NOT NULL AND "desiredVersion" > "publishedVersion";
