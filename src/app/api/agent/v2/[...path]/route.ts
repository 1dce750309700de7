import { dispatchAgent } from "@/server/agent-api/v1";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };
const handle = async (req: Request, { params }: Params) => dispatchAgent(req, 2, (await params).path);
export { handle as GET, handle as POST };
