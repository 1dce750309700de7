-- Which agent process (its boot id) claimed a running job: only jobs claimed by an
-- earlier process of the node's agent are orphans (agent protocol 2, claim.bootId).
ALTER TABLE "jobs" ADD COLUMN "agent_boot_id" VARCHAR(64);
