-- Reliability's counts kept on the node (services/jobs/transition.ts moves them with each
-- job's status, in the same transaction): reading a node's reliability no longer counts its
-- whole job history. Filled from the jobs already there.
ALTER TABLE "nodes" ADD COLUMN "jobs_finished" INTEGER NOT NULL DEFAULT 0,
                    ADD COLUMN "jobs_lost" INTEGER NOT NULL DEFAULT 0;

UPDATE "nodes" n
SET "jobs_finished" = c.finished, "jobs_lost" = c.lost
FROM (
  SELECT node_id,
         count(*) FILTER (WHERE status IN ('completed', 'failed', 'timed_out')) AS finished,
         count(*) FILTER (WHERE failure_reason = 'node_error') AS lost
  FROM jobs GROUP BY node_id
) c
WHERE n.id = c.node_id;
