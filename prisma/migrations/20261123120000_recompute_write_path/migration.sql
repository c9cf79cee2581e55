-- Recompute claims the oldest dirty SKUs first (ORDER BY since LIMIT n): an index keeps each claim
-- from sorting the whole backlog, which after a rule change is every SKU.
CREATE INDEX "AvailabilityDirty_since_idx" ON "AvailabilityDirty"("since");

-- Decision inputs and steps are written and read whole. As json they keep their key order, so an
-- explanation that did not change compares equal to the stored one (jsonb reorders keys, which made
-- every recompute store a new decision), and inserting them skips the jsonb parse.
ALTER TABLE "AvailabilityDecision" ALTER COLUMN "inputs" TYPE json USING "inputs"::json,
                                   ALTER COLUMN "steps" TYPE json USING "steps"::json;
