-- Column sorts on the SKU explorer (name, and what one channel is given: its listings' desired
-- quantity) and on a channel's publish attempts (outcome, quantity, latency), issue 19: each sort
-- is a keyset over (column, id) served by an index.
-- CreateIndex
CREATE INDEX "Sku_name_id_idx" ON "Sku"("name", "id");

-- CreateIndex
CREATE INDEX "ChannelListing_channelId_desiredQuantity_id_idx" ON "ChannelListing"("channelId", "desiredQuantity", "id");

-- CreateIndex
CREATE INDEX "PublishAttempt_channelId_outcome_id_idx" ON "PublishAttempt"("channelId", "outcome", "id");

-- CreateIndex
CREATE INDEX "PublishAttempt_channelId_quantity_id_idx" ON "PublishAttempt"("channelId", "quantity", "id");

-- CreateIndex
CREATE INDEX "PublishAttempt_channelId_latencyMs_id_idx" ON "PublishAttempt"("channelId", "latencyMs", "id");
