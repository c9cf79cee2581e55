-- Global search (server/search/global-search.ts) matches a case-insensitive prefix as
-- lower(column) COLLATE "C" LIKE 'prefix%'. An index on that expression in the "C" collation
-- serves it as a range scan, in order, whatever the database's own collation: the indexes of
-- 20261202191000_search_indexes are in the database's collation, so the comparisons written with
-- COLLATE "C" could not use them and global search read every listing (243 ms at 200,000 SKUs).
CREATE INDEX "Sku_code_prefix_idx" ON "Sku" ((lower("code") COLLATE "C"));
CREATE INDEX "SkuAlias_alias_prefix_idx" ON "SkuAlias" ((lower("alias") COLLATE "C"));
CREATE INDEX "ChannelListing_externalSku_prefix_idx" ON "ChannelListing" ((lower("externalSku") COLLATE "C"));
CREATE INDEX "ChannelListing_externalId_prefix_idx" ON "ChannelListing" ((lower("externalId") COLLATE "C"));
CREATE INDEX "ChannelOrderEvent_orderId_prefix_idx" ON "ChannelOrderEvent" ((lower("orderId") COLLATE "C"));
