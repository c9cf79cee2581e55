-- Marketplace webhook deliveries seen per channel (deduplicated by the marketplace's delivery id,
-- the same on every retry of one delivery), and the orders API's second budget (Amazon
-- getOrderItems has its own rate next to getOrders).
CREATE TABLE "NativeWebhookDelivery" (
    "channelId" UUID NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "topic" TEXT,
    "inboundMessageId" UUID NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "NativeWebhookDelivery_pkey" PRIMARY KEY ("channelId", "deliveryId")
);

ALTER TABLE "ChannelOrderIntake" ADD COLUMN "itemRateTokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN "itemRateRefilledAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
