-- Sources as code (issue 16): a source keeps how it writes its files (EDI 846 quantity qualifiers
-- and default location, CSV/NDJSON column maps, delimiter, decimal separator, date format).
ALTER TABLE "Source" ADD COLUMN "settings" JSONB NOT NULL DEFAULT '{}',
                     ADD COLUMN "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
