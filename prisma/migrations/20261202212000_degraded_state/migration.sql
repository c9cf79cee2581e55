-- Degraded mode: expected feeds and blind channels, with since when each is stale.
CREATE TABLE "DegradedState" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source" TEXT,
    "location" TEXT,
    "channel" TEXT,
    "lastSeenAt" TIMESTAMPTZ(3),
    "staleSince" TIMESTAMPTZ(3),
    "checkedAt" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "DegradedState_pkey" PRIMARY KEY ("key")
);
