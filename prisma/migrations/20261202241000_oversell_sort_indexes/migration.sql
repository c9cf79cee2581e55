-- Column sorts on the oversell incidents list (issue 19): each sort is served by an index.
-- CreateIndex
CREATE INDEX "OversellIncident_occurredAt_id_idx" ON "OversellIncident"("occurredAt", "id");

-- CreateIndex
CREATE INDEX "OversellIncident_oversoldUnits_id_idx" ON "OversellIncident"("oversoldUnits", "id");

-- CreateIndex
CREATE INDEX "OversellIncident_revenueAtRiskCents_id_idx" ON "OversellIncident"("revenueAtRiskCents", "id");
