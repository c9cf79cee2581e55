-- Column sorts on the findings and audit lists (issue 19): each sort is served by an index.
-- CreateIndex
CREATE INDEX "Finding_status_updatedAt_idx" ON "Finding"("status", "updatedAt");

-- CreateIndex
CREATE INDEX "Finding_status_kind_id_idx" ON "Finding"("status", "kind", "id");

-- CreateIndex
CREATE INDEX "AuditLog_action_id_idx" ON "AuditLog"("action", "id");

-- CreateIndex
CREATE INDEX "AuditLog_actorLabel_id_idx" ON "AuditLog"("actorLabel", "id");
