-- Node images: what a node's agent advertises (name@sha256:digest), and the one a job names.
ALTER TABLE "nodes" ADD COLUMN "images" VARCHAR(300)[] NOT NULL DEFAULT ARRAY[]::VARCHAR(300)[];
ALTER TABLE "jobs" ADD COLUMN "image" VARCHAR(300);
CREATE INDEX "nodes_images_idx" ON "nodes" USING GIN ("images");
-- Job output that is not plain UTF-8 text (NUL, invalid UTF-8), kept exactly.
ALTER TABLE "jobs" ADD COLUMN "output_base64" TEXT;
