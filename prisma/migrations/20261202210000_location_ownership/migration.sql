-- Source of truth per location (optionally per SKU category), effective at a time, the shadow
-- source of a cutover: its events kept whole, its positions computed, and per-minute differences
-- with the owner (the trend on the cutover screen). Nothing here is ever applied to Position.
CREATE TABLE "LocationOwnership" (
    "id" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "category" TEXT,
    "source" TEXT NOT NULL,
    "shadowSource" TEXT,
    "effectiveFrom" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "LocationOwnership_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ShadowEvent" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "messageId" UUID,
    "raw" JSONB NOT NULL,
    CONSTRAINT "ShadowEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ShadowPosition" (
    "source" TEXT NOT NULL,
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "onHand" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "damaged" INTEGER NOT NULL DEFAULT 0,
    "allocated" INTEGER NOT NULL DEFAULT 0,
    "inTransit" INTEGER NOT NULL DEFAULT 0,
    "lastCountSeq" BIGINT,
    "lastCountAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "ShadowPosition_pkey" PRIMARY KEY ("source","locationId","skuId")
);

CREATE TABLE "CutoverSample" (
    "source" TEXT NOT NULL,
    "locationId" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "skus" INTEGER NOT NULL,
    "skusDiffering" INTEGER NOT NULL,
    "absDifference" INTEGER NOT NULL,
    CONSTRAINT "CutoverSample_pkey" PRIMARY KEY ("source","locationId","minute")
);

CREATE INDEX "LocationOwnership_locationId_effectiveFrom_idx" ON "LocationOwnership"("locationId", "effectiveFrom");
CREATE INDEX "ShadowEvent_locationId_receivedAt_idx" ON "ShadowEvent"("locationId", "receivedAt");
CREATE UNIQUE INDEX "ShadowEvent_source_idempotencyKey_key" ON "ShadowEvent"("source", "idempotencyKey");
