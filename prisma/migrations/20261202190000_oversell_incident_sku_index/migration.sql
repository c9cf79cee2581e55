-- The SKU page lists the SKU's recent oversell incidents (newest first): without this index every
-- SKU page load would scan all incidents.
CREATE INDEX "OversellIncident_sku_detectedAt_idx" ON "OversellIncident"("sku", "detectedAt");
