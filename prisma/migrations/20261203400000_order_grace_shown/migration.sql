-- What the channel showed when a listing's order grace began, and when that read ended: at the
-- grace's end, a start its orders explain begins the grace again instead of a merchant edit
ALTER TABLE "ChannelListing" ADD COLUMN "orderGraceShown" INTEGER, ADD COLUMN "orderGraceReadEnd" TIMESTAMPTZ(3);
