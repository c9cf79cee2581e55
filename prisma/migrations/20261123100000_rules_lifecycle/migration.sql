-- Rule versions: when their recompute started (effective-from in the future waits) and its size.
ALTER TABLE "RuleSetVersion" ADD COLUMN "activatedAt" TIMESTAMPTZ(3), ADD COLUMN "recomputeSkus" INTEGER NOT NULL DEFAULT 0;
UPDATE "RuleSetVersion" SET "activatedAt" = "createdAt" WHERE "effectiveFrom" <= now();

-- Holdbacks: owner and removal with a reason, expiry handled once.
ALTER TABLE "Holdback" ADD COLUMN "ownerLabel" TEXT NOT NULL DEFAULT '',
  ADD COLUMN "createdBy" TEXT NOT NULL DEFAULT '',
  ADD COLUMN "removedBy" TEXT,
  ADD COLUMN "removeReason" TEXT,
  ADD COLUMN "expiryAppliedAt" TIMESTAMPTZ(3);

-- Sales per SKU x channel x day.
CREATE TABLE "SalesDaily" (
  "skuId" UUID NOT NULL,
  "channelId" UUID NOT NULL,
  "day" DATE NOT NULL,
  "units" INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT "SalesDaily_pkey" PRIMARY KEY ("skuId", "channelId", "day")
);

CREATE INDEX "ChannelOrderEvent_receivedAt_idx" ON "ChannelOrderEvent"("receivedAt");
