-- Snapshots compare positions as of the snapshot's time, and may correct small variances.
ALTER TABLE "Snapshot" ADD COLUMN "asOf" TIMESTAMPTZ(3), ADD COLUMN "autoCorrectUnits" INTEGER NOT NULL DEFAULT 0, ADD COLUMN "corrected" INTEGER NOT NULL DEFAULT 0;
