-- File inbox and streamed snapshots: chunked raw storage, staged snapshot rows.
ALTER TABLE "InboundMessage" ADD COLUMN "fileName" TEXT, ADD COLUMN "sha256" TEXT, ADD COLUMN "chunks" INTEGER NOT NULL DEFAULT 0;
CREATE INDEX "InboundMessage_sha256_idx" ON "InboundMessage"("sha256");

CREATE TABLE "InboundChunk" (
    "messageId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" TEXT NOT NULL,
    CONSTRAINT "InboundChunk_pkey" PRIMARY KEY ("messageId","seq")
);

ALTER TABLE "Snapshot" ADD COLUMN "rejectedRows" INTEGER NOT NULL DEFAULT 0, ADD COLUMN "messageId" UUID, ADD COLUMN "fileName" TEXT;

CREATE TABLE "SnapshotRow" (
    "snapshotId" UUID NOT NULL,
    "line" INTEGER NOT NULL,
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "onHand" INTEGER,
    "quarantined" INTEGER,
    "damaged" INTEGER,
    "allocated" INTEGER,
    CONSTRAINT "SnapshotRow_pkey" PRIMARY KEY ("snapshotId","line")
);
CREATE INDEX "SnapshotRow_snapshotId_locationId_skuId_idx" ON "SnapshotRow"("snapshotId", "locationId", "skuId");
