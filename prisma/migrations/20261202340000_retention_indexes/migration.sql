-- Retention (server/retention) walks old rows by time and keeps a raw message while something
-- still refers to it: these indexes keep every batch an index lookup, never a scan.
CREATE INDEX "InboundMessage_receivedAt_idx" ON "InboundMessage"("receivedAt");
CREATE INDEX "ChannelOrderEvent_inboundMessageId_idx" ON "ChannelOrderEvent"("inboundMessageId");
CREATE INDEX "DeadLetter_inboundMessageId_idx" ON "DeadLetter"("inboundMessageId");
CREATE INDEX "CounterMinute_minute_idx" ON "CounterMinute"("minute");
