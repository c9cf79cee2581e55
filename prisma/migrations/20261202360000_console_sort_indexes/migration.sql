-- Column sorts on findings (SKU, channel, variance: nullable, NULLS LAST both ways, keyset over
-- (column, id)) and dead letters (last seen, code, attempts, SKU, channel), issue 19: each sort is
-- served by an index with the status filter in front.
-- CreateIndex
CREATE INDEX "Finding_status_sku_id_idx" ON "Finding"("status", "sku", "id");

-- CreateIndex
CREATE INDEX "Finding_status_channel_id_idx" ON "Finding"("status", "channel", "id");

-- CreateIndex
CREATE INDEX "Finding_status_variance_id_idx" ON "Finding"("status", "variance", "id");

-- CreateIndex
CREATE INDEX "DeadLetter_status_lastSeenAt_id_idx" ON "DeadLetter"("status", "lastSeenAt", "id");

-- CreateIndex
CREATE INDEX "DeadLetter_status_code_id_idx" ON "DeadLetter"("status", "code", "id");

-- CreateIndex
CREATE INDEX "DeadLetter_status_attempts_id_idx" ON "DeadLetter"("status", "attempts", "id");

-- CreateIndex
CREATE INDEX "DeadLetter_status_sku_id_idx" ON "DeadLetter"("status", "sku", "id");

-- CreateIndex
CREATE INDEX "DeadLetter_status_channel_id_idx" ON "DeadLetter"("status", "channel", "id");
