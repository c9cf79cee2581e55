-- Feed freshness from snapshots: the locations a completed snapshot covered, and the index the
-- freshness check reads (last snapshot of a source within its cadence window).
ALTER TABLE "Snapshot" ADD COLUMN "locationIds" UUID[] NOT NULL DEFAULT ARRAY[]::UUID[];
CREATE INDEX "Snapshot_source_startedAt_idx" ON "Snapshot"("source", "startedAt");
