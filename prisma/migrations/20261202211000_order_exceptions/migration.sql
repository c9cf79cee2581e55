-- ERP order exceptions: a system of record rejected or held a channel order, with the policy applied.
CREATE TABLE "OrderException" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "skus" TEXT[],
    "reason" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'open',
    "policy" JSONB NOT NULL,
    "releasedUnits" INTEGER NOT NULL DEFAULT 0,
    "holdbackIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "resolvedAt" TIMESTAMPTZ(3),
    "inboundMessageId" UUID,
    CONSTRAINT "OrderException_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "OrderException_channel_orderId_idx" ON "OrderException"("channel", "orderId");
CREATE UNIQUE INDEX "OrderException_source_idempotencyKey_key" ON "OrderException"("source", "idempotencyKey");
