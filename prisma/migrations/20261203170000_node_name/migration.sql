-- AlterTable: a seller-set name per node (null: shown by its GPU model).
ALTER TABLE "nodes" ADD COLUMN "name" VARCHAR(64);
