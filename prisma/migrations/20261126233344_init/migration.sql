-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "nodes" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seller_address" VARCHAR(42) NOT NULL,
    "gpu_info" JSONB NOT NULL,
    "gpu_model" VARCHAR(100) NOT NULL,
    "vram_mib" INTEGER NOT NULL,
    "gpu_count" INTEGER NOT NULL,
    "tflops" DECIMAL(10,2),
    "price_per_hour" DECIMAL(12,6) NOT NULL,
    "endpoint" VARCHAR(255) NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'available',
    "suspended_reason" VARCHAR(500),
    "agent_token_hash" VARCHAR(64) NOT NULL,
    "registered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_heartbeat" TIMESTAMPTZ(3),
    "total_jobs" INTEGER NOT NULL DEFAULT 0,
    "total_compute_hours" DECIMAL(14,6) NOT NULL DEFAULT 0,

    CONSTRAINT "nodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "buyer_address" VARCHAR(42) NOT NULL,
    "node_id" UUID NOT NULL,
    "job_type" VARCHAR(50) NOT NULL,
    "script" TEXT NOT NULL,
    "max_duration_seconds" INTEGER NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'queued',
    "failure_reason" VARCHAR(20),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "exit_code" INTEGER,
    "output" TEXT,
    "output_truncated" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "duration_ms" INTEGER,
    "cost_usd" DECIMAL(18,6),
    "payment_tx_hash" VARCHAR(66),
    "access_token_hash" VARCHAR(64),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_logs" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "stream" VARCHAR(6) NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "job_id" UUID NOT NULL,
    "from_address" VARCHAR(42) NOT NULL,
    "to_address" VARCHAR(42) NOT NULL,
    "amount_usdc" DECIMAL(18,6) NOT NULL,
    "amount_atomic" DECIMAL(78,0) NOT NULL,
    "asset" VARCHAR(42) NOT NULL,
    "network" VARCHAR(50) NOT NULL,
    "nonce" VARCHAR(66) NOT NULL,
    "valid_after" TIMESTAMPTZ(3) NOT NULL,
    "valid_before" TIMESTAMPTZ(3) NOT NULL,
    "signed_payload" JSONB NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'pending',
    "tx_hash" VARCHAR(66),
    "block_number" BIGINT,
    "settlement_attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmed_at" TIMESTAMPTZ(3),

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signed_nonces" (
    "signer" VARCHAR(42) NOT NULL,
    "nonce" VARCHAR(80) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signed_nonces_pkey" PRIMARY KEY ("signer","nonce")
);

-- CreateTable
CREATE TABLE "admin_audit_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "admin_address" VARCHAR(42) NOT NULL,
    "action" VARCHAR(50) NOT NULL,
    "target_type" VARCHAR(20) NOT NULL,
    "target_id" VARCHAR(80) NOT NULL,
    "details" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "admin_audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "nodes_agent_token_hash_key" ON "nodes"("agent_token_hash");

-- CreateIndex
CREATE INDEX "nodes_status_idx" ON "nodes"("status");

-- CreateIndex
CREATE INDEX "nodes_seller_address_idx" ON "nodes"("seller_address");

-- CreateIndex
CREATE INDEX "nodes_price_per_hour_idx" ON "nodes"("price_per_hour");

-- CreateIndex
CREATE INDEX "nodes_registered_at_idx" ON "nodes"("registered_at");

-- CreateIndex
CREATE INDEX "jobs_buyer_address_idx" ON "jobs"("buyer_address");

-- CreateIndex
CREATE INDEX "jobs_node_id_status_created_at_idx" ON "jobs"("node_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "jobs_status_idx" ON "jobs"("status");

-- CreateIndex
CREATE UNIQUE INDEX "job_logs_job_id_stream_seq_key" ON "job_logs"("job_id", "stream", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "payments_job_id_key" ON "payments"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "payments_tx_hash_key" ON "payments"("tx_hash");

-- CreateIndex
CREATE INDEX "payments_status_next_attempt_at_idx" ON "payments"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "payments_to_address_idx" ON "payments"("to_address");

-- CreateIndex
CREATE UNIQUE INDEX "payments_from_address_nonce_key" ON "payments"("from_address", "nonce");

-- CreateIndex
CREATE INDEX "signed_nonces_expires_at_idx" ON "signed_nonces"("expires_at");

-- CreateIndex
CREATE INDEX "admin_audit_log_created_at_idx" ON "admin_audit_log"("created_at");

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_node_id_fkey" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_logs" ADD CONSTRAINT "job_logs_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "jobs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
