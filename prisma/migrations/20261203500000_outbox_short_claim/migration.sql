-- The recompute claims outbox rows in a short transaction of its own (claim, claimedAt) and deletes
-- them with its decisions only if nothing marked them again meanwhile. Before, it deleted them at the
-- start of its deciding transaction, so an ingest batch marking one of those SKUs waited for the whole
-- recompute while holding its positions (the pipeline's ack tail).
ALTER TABLE "AvailabilityDirty" ADD COLUMN "claim" UUID, ADD COLUMN "claimedAt" TIMESTAMPTZ(3);
