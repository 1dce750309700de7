-- Statuses as CHECK constraints: each list is exactly its home's in the code
-- (STORED_NODE_STATUSES in services/nodes/node-status.ts; JOB_STATUSES, FAILURE_REASONS
-- and PRESUMED_LOSS_CAUSES in services/jobs/job-states.ts; PAYMENT_STATUSES in
-- services/payments/payment-view.ts). src/server/db/status-checks.test.ts keeps them equal.
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_status_check"
  CHECK ("status" IN ('available', 'busy', 'paused', 'suspended'));

ALTER TABLE "jobs" ADD CONSTRAINT "jobs_status_check"
  CHECK ("status" IN ('queued', 'running', 'completed', 'failed', 'timed_out', 'cancelled'));
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_failure_reason_check"
  CHECK ("failure_reason" IN ('job_error', 'timed_out', 'node_error', 'cancelled'));
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_failure_cause_check"
  CHECK ("failure_cause" IN ('agent_silent', 'agent_restarted'));

ALTER TABLE "payments" ADD CONSTRAINT "payments_status_check"
  CHECK ("status" IN ('authorizing', 'held', 'settling', 'captured', 'voided', 'reclaimable', 'reclaimed', 'failed'));
