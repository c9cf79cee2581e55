-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('analyst', 'merchandiser', 'support', 'executive', 'admin');

-- CreateEnum
CREATE TYPE "ChannelMode" AS ENUM ('shadow', 'live');

-- CreateEnum
CREATE TYPE "ChannelStatus" AS ENUM ('active', 'paused');

-- CreateEnum
CREATE TYPE "BreakerState" AS ENUM ('closed', 'open', 'half_open');

-- CreateEnum
CREATE TYPE "DeadLetterKind" AS ENUM ('ingest', 'publish');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastLoginAt" TIMESTAMPTZ(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "boundSource" TEXT,
    "rateLimitPerMinute" INTEGER,
    "createdById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Source" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "signingSecretEnc" TEXT,
    "previousSecretEnc" TEXT,
    "previousValidUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Source_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "Sku" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL DEFAULT 'uncategorized',
    "baseUom" TEXT NOT NULL DEFAULT 'EA',
    "unitCostCents" INTEGER NOT NULL DEFAULT 0,
    "priceCents" INTEGER NOT NULL DEFAULT 0,
    "isKit" BOOLEAN NOT NULL DEFAULT false,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Sku_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KitComponent" (
    "kitSkuId" UUID NOT NULL,
    "componentSkuId" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,

    CONSTRAINT "KitComponent_pkey" PRIMARY KEY ("kitSkuId","componentSkuId")
);

-- CreateTable
CREATE TABLE "Location" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'dc',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SkuAlias" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "skuId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SkuAlias_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocationAlias" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "alias" TEXT NOT NULL,
    "locationId" UUID NOT NULL,

    CONSTRAINT "LocationAlias_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UnitOfMeasure" (
    "skuId" UUID NOT NULL,
    "uom" TEXT NOT NULL,
    "factor" INTEGER NOT NULL,

    CONSTRAINT "UnitOfMeasure_pkey" PRIMARY KEY ("skuId","uom")
);

-- CreateTable
CREATE TABLE "Channel" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "mode" "ChannelMode" NOT NULL DEFAULT 'shadow',
    "status" "ChannelStatus" NOT NULL DEFAULT 'active',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "credentialsEnc" TEXT,
    "ratePerSecond" DOUBLE PRECISION NOT NULL DEFAULT 5,
    "rateBurst" INTEGER NOT NULL DEFAULT 5,
    "rateTokens" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "rateRefilledAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "breakerState" "BreakerState" NOT NULL DEFAULT 'closed',
    "breakerFailures" INTEGER NOT NULL DEFAULT 0,
    "breakerOpenedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Channel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChannelListing" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "skuId" UUID NOT NULL,
    "externalSku" TEXT NOT NULL,
    "externalId" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "desiredQuantity" INTEGER,
    "desiredVersion" INTEGER NOT NULL DEFAULT 0,
    "decidedAt" TIMESTAMPTZ(3),
    "decisionId" BIGINT,
    "pendingSince" TIMESTAMPTZ(3),
    "publishedQuantity" INTEGER,
    "publishedVersion" INTEGER NOT NULL DEFAULT 0,
    "publishedAt" TIMESTAMPTZ(3),
    "acceptedVersion" INTEGER NOT NULL DEFAULT 0,
    "acceptedAt" TIMESTAMPTZ(3),
    "appliedQuantity" INTEGER,
    "appliedVersion" INTEGER NOT NULL DEFAULT 0,
    "appliedAt" TIMESTAMPTZ(3),
    "publishedInputAt" TIMESTAMPTZ(3),
    "inFlightVersion" INTEGER,
    "leaseUntil" TIMESTAMPTZ(3),
    "failedAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "lastError" TEXT,

    CONSTRAINT "ChannelListing_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Position" (
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "onHand" INTEGER NOT NULL DEFAULT 0,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "allocated" INTEGER NOT NULL DEFAULT 0,
    "inTransit" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "damaged" INTEGER NOT NULL DEFAULT 0,
    "lastCountSeq" BIGINT,
    "lastCountAt" TIMESTAMPTZ(3),
    "version" BIGINT NOT NULL DEFAULT 0,
    "lastEventId" BIGINT,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Position_pkey" PRIMARY KEY ("skuId","locationId")
);

-- CreateTable
CREATE TABLE "InboundMessage" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "transport" TEXT NOT NULL DEFAULT 'http',
    "contentType" TEXT,
    "body" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL DEFAULT 0,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'received',
    "accepted" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "rejected" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "ref" TEXT,

    CONSTRAINT "InboundMessage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerEvent" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "rawQuantity" INTEGER NOT NULL,
    "uom" TEXT NOT NULL,
    "toLocationId" UUID,
    "reference" TEXT,
    "sourceSeq" BIGINT,
    "outcome" TEXT NOT NULL DEFAULT 'applied',
    "inboundMessageId" UUID,
    "batchIndex" INTEGER,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "appliedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LedgerEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChannelOrderEvent" (
    "id" BIGSERIAL NOT NULL,
    "channelId" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "lines" JSONB NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "inboundMessageId" UUID,

    CONSTRAINT "ChannelOrderEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reservation" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "orderId" TEXT NOT NULL,
    "lineId" TEXT NOT NULL,
    "skuId" UUID NOT NULL,
    "locationId" UUID NOT NULL,
    "kitSkuId" UUID,
    "quantity" INTEGER NOT NULL,
    "handedOverQuantity" INTEGER NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Reservation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleSetVersion" (
    "id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "authorId" UUID,
    "authorLabel" TEXT NOT NULL DEFAULT 'system',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "effectiveFrom" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rolledBackFrom" TEXT,

    CONSTRAINT "RuleSetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Holdback" (
    "id" UUID NOT NULL,
    "channel" TEXT,
    "skuCode" TEXT,
    "category" TEXT,
    "mode" TEXT NOT NULL,
    "value" INTEGER NOT NULL DEFAULT 0,
    "reason" TEXT NOT NULL,
    "ownerId" UUID,
    "expiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Holdback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AvailabilityDirty" (
    "skuId" UUID NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "markedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AvailabilityDirty_pkey" PRIMARY KEY ("skuId")
);

-- CreateTable
CREATE TABLE "AvailabilityDecision" (
    "id" BIGSERIAL NOT NULL,
    "listingId" UUID NOT NULL,
    "skuId" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "quantity" INTEGER NOT NULL,
    "listingVersion" INTEGER NOT NULL,
    "ruleVersionIds" TEXT[],
    "holdbackIds" TEXT[],
    "inputs" JSONB NOT NULL,
    "steps" JSONB NOT NULL,
    "eventIds" BIGINT[],
    "decidedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AvailabilityDecision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PublishAttempt" (
    "id" BIGSERIAL NOT NULL,
    "listingId" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL,
    "attemptNo" INTEGER NOT NULL DEFAULT 1,
    "batchId" TEXT,
    "outcome" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "latencyMs" INTEGER,
    "request" JSONB,
    "response" JSONB,
    "error" TEXT,
    "lagMs" INTEGER,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMPTZ(3),
    "verifiedAt" TIMESTAMPTZ(3),

    CONSTRAINT "PublishAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeadLetter" (
    "id" UUID NOT NULL,
    "kind" "DeadLetterKind" NOT NULL,
    "code" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "source" TEXT,
    "sku" TEXT,
    "channel" TEXT,
    "listingId" UUID,
    "inboundMessageId" UUID,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "riskScore" INTEGER NOT NULL DEFAULT 0,
    "firstSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMPTZ(3),
    "resolution" TEXT,

    CONSTRAINT "DeadLetter_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReplayRequest" (
    "id" UUID NOT NULL,
    "filter" JSONB NOT NULL,
    "impact" JSONB NOT NULL,
    "deadLetterIds" TEXT[],
    "requestedById" UUID NOT NULL,
    "approvedById" UUID,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "ReplayRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Snapshot" (
    "id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "rows" INTEGER NOT NULL DEFAULT 0,
    "processedRows" INTEGER NOT NULL DEFAULT 0,
    "findings" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMPTZ(3),

    CONSTRAINT "Snapshot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Finding" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "sku" TEXT,
    "channel" TEXT,
    "location" TEXT,
    "cause" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "field" TEXT,
    "expected" INTEGER,
    "actual" INTEGER,
    "variance" INTEGER,
    "snapshotId" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT,
    "detectedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMPTZ(3),
    "note" TEXT,

    CONSTRAINT "Finding_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OversellIncident" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "lineId" TEXT NOT NULL,
    "orderedUnits" INTEGER NOT NULL,
    "oversoldUnits" INTEGER NOT NULL,
    "revenueAtRiskCents" INTEGER NOT NULL DEFAULT 0,
    "cause" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "detectedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OversellIncident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entity" TEXT NOT NULL,
    "entityId" TEXT,
    "before" JSONB,
    "after" JSONB,
    "ref" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LagMinute" (
    "channelId" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "sumMs" BIGINT NOT NULL DEFAULT 0,
    "maxMs" INTEGER NOT NULL DEFAULT 0,
    "buckets" INTEGER[],

    CONSTRAINT "LagMinute_pkey" PRIMARY KEY ("channelId","minute")
);

-- CreateTable
CREATE TABLE "CounterMinute" (
    "name" TEXT NOT NULL,
    "labels" TEXT NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "CounterMinute_pkey" PRIMARY KEY ("name","labels","minute")
);

-- CreateTable
CREATE TABLE "WorkerHeartbeat" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "WorkerHeartbeat_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SystemState" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SystemState_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "socket_io_attachments" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) DEFAULT CURRENT_TIMESTAMP,
    "payload" BYTEA
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_secretHash_key" ON "ApiKey"("secretHash");

-- CreateIndex
CREATE UNIQUE INDEX "Sku_code_key" ON "Sku"("code");

-- CreateIndex
CREATE INDEX "Sku_category_idx" ON "Sku"("category");

-- CreateIndex
CREATE INDEX "KitComponent_componentSkuId_idx" ON "KitComponent"("componentSkuId");

-- CreateIndex
CREATE UNIQUE INDEX "Location_code_key" ON "Location"("code");

-- CreateIndex
CREATE INDEX "SkuAlias_skuId_idx" ON "SkuAlias"("skuId");

-- CreateIndex
CREATE UNIQUE INDEX "SkuAlias_scope_alias_key" ON "SkuAlias"("scope", "alias");

-- CreateIndex
CREATE UNIQUE INDEX "LocationAlias_scope_alias_key" ON "LocationAlias"("scope", "alias");

-- CreateIndex
CREATE UNIQUE INDEX "Channel_code_key" ON "Channel"("code");

-- CreateIndex
CREATE INDEX "ChannelListing_skuId_idx" ON "ChannelListing"("skuId");

-- CreateIndex
CREATE INDEX "ChannelListing_channelId_desiredVersion_publishedVersion_idx" ON "ChannelListing"("channelId", "desiredVersion", "publishedVersion");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelListing_channelId_skuId_key" ON "ChannelListing"("channelId", "skuId");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelListing_channelId_externalSku_key" ON "ChannelListing"("channelId", "externalSku");

-- CreateIndex
CREATE INDEX "Position_locationId_idx" ON "Position"("locationId");

-- CreateIndex
CREATE INDEX "InboundMessage_source_receivedAt_idx" ON "InboundMessage"("source", "receivedAt");

-- CreateIndex
CREATE INDEX "LedgerEvent_skuId_locationId_id_idx" ON "LedgerEvent"("skuId", "locationId", "id");

-- CreateIndex
CREATE INDEX "LedgerEvent_inboundMessageId_idx" ON "LedgerEvent"("inboundMessageId");

-- CreateIndex
CREATE INDEX "LedgerEvent_receivedAt_idx" ON "LedgerEvent"("receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEvent_source_idempotencyKey_key" ON "LedgerEvent"("source", "idempotencyKey");

-- CreateIndex
CREATE INDEX "ChannelOrderEvent_channelId_orderId_idx" ON "ChannelOrderEvent"("channelId", "orderId");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelOrderEvent_channelId_idempotencyKey_key" ON "ChannelOrderEvent"("channelId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Reservation_skuId_locationId_status_idx" ON "Reservation"("skuId", "locationId", "status");

-- CreateIndex
CREATE INDEX "Reservation_status_createdAt_idx" ON "Reservation"("status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Reservation_channelId_orderId_lineId_skuId_key" ON "Reservation"("channelId", "orderId", "lineId", "skuId");

-- CreateIndex
CREATE UNIQUE INDEX "RuleSetVersion_number_key" ON "RuleSetVersion"("number");

-- CreateIndex
CREATE INDEX "Holdback_channel_skuCode_idx" ON "Holdback"("channel", "skuCode");

-- CreateIndex
CREATE INDEX "AvailabilityDecision_listingId_decidedAt_idx" ON "AvailabilityDecision"("listingId", "decidedAt");

-- CreateIndex
CREATE INDEX "PublishAttempt_listingId_version_idx" ON "PublishAttempt"("listingId", "version");

-- CreateIndex
CREATE INDEX "PublishAttempt_channelId_startedAt_idx" ON "PublishAttempt"("channelId", "startedAt");

-- CreateIndex
CREATE INDEX "DeadLetter_kind_status_lastSeenAt_idx" ON "DeadLetter"("kind", "status", "lastSeenAt");

-- CreateIndex
CREATE INDEX "DeadLetter_sku_idx" ON "DeadLetter"("sku");

-- CreateIndex
CREATE INDEX "DeadLetter_channel_status_idx" ON "DeadLetter"("channel", "status");

-- CreateIndex
CREATE INDEX "Finding_status_detectedAt_idx" ON "Finding"("status", "detectedAt");

-- CreateIndex
CREATE INDEX "Finding_snapshotId_idx" ON "Finding"("snapshotId");

-- CreateIndex
CREATE INDEX "Finding_dedupeKey_status_idx" ON "Finding"("dedupeKey", "status");

-- CreateIndex
CREATE INDEX "OversellIncident_channel_detectedAt_idx" ON "OversellIncident"("channel", "detectedAt");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_entity_entityId_idx" ON "AuditLog"("entity", "entityId");

-- CreateIndex
CREATE UNIQUE INDEX "socket_io_attachments_id_key" ON "socket_io_attachments"("id");

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KitComponent" ADD CONSTRAINT "KitComponent_kitSkuId_fkey" FOREIGN KEY ("kitSkuId") REFERENCES "Sku"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KitComponent" ADD CONSTRAINT "KitComponent_componentSkuId_fkey" FOREIGN KEY ("componentSkuId") REFERENCES "Sku"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SkuAlias" ADD CONSTRAINT "SkuAlias_skuId_fkey" FOREIGN KEY ("skuId") REFERENCES "Sku"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocationAlias" ADD CONSTRAINT "LocationAlias_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UnitOfMeasure" ADD CONSTRAINT "UnitOfMeasure_skuId_fkey" FOREIGN KEY ("skuId") REFERENCES "Sku"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChannelListing" ADD CONSTRAINT "ChannelListing_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChannelListing" ADD CONSTRAINT "ChannelListing_skuId_fkey" FOREIGN KEY ("skuId") REFERENCES "Sku"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Position" ADD CONSTRAINT "Position_skuId_fkey" FOREIGN KEY ("skuId") REFERENCES "Sku"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Position" ADD CONSTRAINT "Position_locationId_fkey" FOREIGN KEY ("locationId") REFERENCES "Location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleSetVersion" ADD CONSTRAINT "RuleSetVersion_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Holdback" ADD CONSTRAINT "Holdback_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

