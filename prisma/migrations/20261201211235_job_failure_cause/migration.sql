-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "failure_cause" VARCHAR(20);
