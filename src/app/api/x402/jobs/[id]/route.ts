import { getX402Job } from "@/server/http/x402-jobs";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };
export const GET = async (req: Request, { params }: Params) => getX402Job(req, { id: (await params).id });
