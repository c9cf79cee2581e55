-- Every ingest batch rewrites the positions it touches. With full pages the new row version must go
-- to another page and write an entry in each of the table's two indexes. A tenth of each page kept
-- free lets most updates stay on their page (HOT updates, no index entries), which shortens the
-- batch's critical section (bench/README.md, issue 20). New pages follow it at once, existing
-- ones as they are rewritten.
ALTER TABLE "Position" SET (fillfactor = 90);
