-- How a channel's orders reach us, and the last state each marketplace reported per order line.
CREATE TABLE "ChannelOrderIntake" (
    "channelId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "cursor" TEXT,
    "cursorAt" TIMESTAMPTZ(3),
    "lastDeliveryAt" TIMESTAMPTZ(3),
    "lastPollAt" TIMESTAMPTZ(3),
    "lastSuccessAt" TIMESTAMPTZ(3),
    "lastFailureAt" TIMESTAMPTZ(3),
    "lastError" TEXT,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "deliveries" INTEGER NOT NULL DEFAULT 0,
    "rateTokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rateRefilledAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ChannelOrderIntake_pkey" PRIMARY KEY ("channelId", "path")
);

CREATE TABLE "NativeOrderLine" (
    "channelId" UUID NOT NULL,
    "orderId" TEXT NOT NULL,
    "lineId" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "cancelledQuantity" INTEGER NOT NULL DEFAULT 0,
    "shippedQuantity" INTEGER NOT NULL DEFAULT 0,
    "orderedAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "firstSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "NativeOrderLine_pkey" PRIMARY KEY ("channelId", "orderId", "lineId")
);

CREATE INDEX "NativeOrderLine_channelId_orderedAt_idx" ON "NativeOrderLine"("channelId", "orderedAt");
