-- Reconciliation reads the units of a listing's open marketplace orders (a cancellation not yet received may restock them).
CREATE INDEX "NativeOrderLine_channelId_sku_idx" ON "NativeOrderLine"("channelId", "sku");
