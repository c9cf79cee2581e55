-- A sale is not drift: what reconciliation needs to explain a channel's number by its orders.
-- appliedReadAt: when a read-back last set the applied quantity (orders after it move it).
-- orderGraceSince: when a decrease no received order explains was first seen (orders in flight
-- may explain it until the channel's grace period ends, then it is a merchant edit).
-- ordersNote / ordersNoteAt: the last time the channel's number accounted for its orders (explanation).
ALTER TABLE "ChannelListing" ADD COLUMN "appliedReadAt" TIMESTAMPTZ(3),
    ADD COLUMN "orderGraceSince" TIMESTAMPTZ(3),
    ADD COLUMN "ordersNote" TEXT,
    ADD COLUMN "ordersNoteAt" TIMESTAMPTZ(3);

-- Orders a channel took since a time (reconciliation) and intake lag per channel (KPIs).
CREATE INDEX "ChannelOrderEvent_channelId_occurredAt_idx" ON "ChannelOrderEvent"("channelId", "occurredAt");

-- Order intake lag (marketplace order time to reservation) per channel per minute, a fixed-bucket
-- histogram like LagMinute, so KPIs and /api/metrics never scan orders.
CREATE TABLE "OrderLagMinute" (
    "channelId" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "sumMs" BIGINT NOT NULL DEFAULT 0,
    "maxMs" INTEGER NOT NULL DEFAULT 0,
    "buckets" INTEGER[],
    CONSTRAINT "OrderLagMinute_pkey" PRIMARY KEY ("channelId", "minute")
);
