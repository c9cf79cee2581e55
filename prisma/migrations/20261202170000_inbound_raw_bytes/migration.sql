-- The exact bytes of a raw message whose body text cannot say them: invalid UTF-8 or NUL bytes
-- (PostgreSQL text holds neither, and "body" then shows U+FFFD in their place). NULL otherwise.
ALTER TABLE "InboundMessage" ADD COLUMN "bodyBytes" BYTEA;
