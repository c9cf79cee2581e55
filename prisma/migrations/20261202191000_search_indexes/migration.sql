-- Global search (SKU code, SKU alias, channel listing id, order id, by prefix) walks these indexes
-- with range scans instead of scanning the tables.
CREATE INDEX "SkuAlias_alias_idx" ON "SkuAlias"("alias");
CREATE INDEX "ChannelListing_externalSku_idx" ON "ChannelListing"("externalSku");
CREATE INDEX "ChannelListing_externalId_idx" ON "ChannelListing"("externalId");
CREATE INDEX "ChannelOrderEvent_orderId_idx" ON "ChannelOrderEvent"("orderId");
