import { Suspense } from "react";
import { Page } from "@/components/shell/page";
import { JobForm } from "@/components/jobs/job-form";
import { LoadingBlock } from "@/components/ui/spinner";

export const metadata = { title: "New job" };

export default async function NewJobPage({ searchParams }: { searchParams: Promise<{ node?: string | string[] }> }) {
  const { node } = await searchParams;
  const nodeId = typeof node === "string" && /^[0-9a-f-]{36}$/i.test(node) ? node : null;
  return (
    <Page
      title="New job"
      description="Write a script, choose how long it may run, and see the price before you pay."
      back={nodeId ? { href: `/nodes/${nodeId}`, label: "Node details" } : { href: "/", label: "Marketplace" }}
    >
      <Suspense fallback={<LoadingBlock />}>
        <JobForm nodeId={nodeId} />
      </Suspense>
    </Page>
  );
}
