import { Suspense } from "react";
import { Page } from "@/components/shell/page";
import { Marketplace } from "@/components/marketplace/marketplace";
import { LoadingBlock } from "@/components/ui/spinner";

export default function Home() {
  return (
    <Page
      title="Rent a GPU by the job"
      description="Pick a node, send a Python or shell script, and pay in USDC per second it runs: the ceiling is held in escrow and the rest comes back to you."
    >
      <Suspense fallback={<LoadingBlock label="Loading nodes…" />}>
        <Marketplace />
      </Suspense>
    </Page>
  );
}
