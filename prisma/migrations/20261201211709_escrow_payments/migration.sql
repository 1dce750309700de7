-- Escrowed payments (x402 auth-capture) beside exact payments settled at submission.
ALTER TABLE "payments" ADD COLUMN "scheme" VARCHAR(20) NOT NULL DEFAULT 'exact';
ALTER TABLE "payments" ADD COLUMN "payment_info_hash" VARCHAR(66);
ALTER TABLE "payments" ADD COLUMN "payment_info" JSONB;
ALTER TABLE "payments" ADD COLUMN "capture_deadline" TIMESTAMPTZ(3);
ALTER TABLE "payments" ADD COLUMN "fee_bps" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "payments" ADD COLUMN "fee_recipient" VARCHAR(42);
ALTER TABLE "payments" ADD COLUMN "billed_seconds" INTEGER;
ALTER TABLE "payments" ADD COLUMN "captured_atomic" DECIMAL(78,0);
ALTER TABLE "payments" ADD COLUMN "fee_atomic" DECIMAL(78,0);
ALTER TABLE "payments" ADD COLUMN "returned_atomic" DECIMAL(78,0);
ALTER TABLE "payments" ADD COLUMN "authorize_tx_hash" VARCHAR(66);
ALTER TABLE "payments" ADD COLUMN "void_tx_hash" VARCHAR(66);
ALTER TABLE "payments" ADD COLUMN "held_at" TIMESTAMPTZ(3);
ALTER TABLE "payments" ALTER COLUMN "status" SET DEFAULT 'authorizing';

CREATE UNIQUE INDEX "payments_payment_info_hash_key" ON "payments"("payment_info_hash");

-- Settle-after-delivery rows of the old exact flow: a confirmed one was paid in full;
-- one never settled can no longer be (exact is now paid at submission).
UPDATE "payments" SET "status" = 'captured', "captured_atomic" = "amount_atomic", "returned_atomic" = 0 WHERE "status" = 'confirmed';
UPDATE "payments" SET "status" = 'failed', "last_error" = 'Not settled before the upgrade to paying at submission.', "next_attempt_at" = NULL WHERE "status" IN ('pending', 'settling');
