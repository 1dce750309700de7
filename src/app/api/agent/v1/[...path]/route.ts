import { dispatchAgentV1 } from "@/server/agent-api/v1";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };
const handle = async (req: Request, { params }: Params) => dispatchAgentV1(req, (await params).path);
export { handle as GET, handle as POST };
