-- The last two closed lists as CHECK constraints, each exactly its home's in the code
-- (PAYMENT_SCHEMES in services/payments/payment-view.ts; LOG_STREAMS in the agent
-- protocol, packages/protocol/src/v1.ts). src/server/db/status-checks.test.ts keeps them equal.
ALTER TABLE "payments" ADD CONSTRAINT "payments_scheme_check"
  CHECK ("scheme" IN ('auth-capture', 'exact'));

ALTER TABLE "job_logs" ADD CONSTRAINT "job_logs_stream_check"
  CHECK ("stream" IN ('stdout', 'stderr'));
