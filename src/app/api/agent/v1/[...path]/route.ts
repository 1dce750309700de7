import { dispatchAgent } from "@/server/agent-api/v1";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };
/** Agent protocol 1: agents registered before protocol 2 keep working; registration answers "upgrade". */
const handle = async (req: Request, { params }: Params) => dispatchAgent(req, 1, (await params).path);
export { handle as GET, handle as POST };
