-- Listings whose channel orders arrived since the channel was last read: reconciliation reads them first.
ALTER TABLE "ChannelListing" ADD COLUMN "readBackDueAt" TIMESTAMPTZ(3);
CREATE INDEX "ChannelListing_channelId_readBackDueAt_idx" ON "ChannelListing"("channelId", "readBackDueAt");
