import { postX402Job } from "@/server/http/x402-jobs";

export const dynamic = "force-dynamic";

export const POST = (req: Request) => postX402Job(req);
