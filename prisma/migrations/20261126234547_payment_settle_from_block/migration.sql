-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "settle_from_block" BIGINT;
