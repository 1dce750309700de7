import { Suspense } from "react";
import { Page } from "@/components/shell/page";
import { JobList } from "@/components/jobs/job-list";
import { ButtonLink } from "@/components/ui/button";
import { LoadingBlock } from "@/components/ui/spinner";

export const metadata = { title: "My jobs" };

export default function JobsPage() {
  return (
    <Page
      title="My jobs"
      description="Everything you ran, newest first."
      actions={
        <ButtonLink href="/" variant="secondary">
          New job
        </ButtonLink>
      }
    >
      <Suspense fallback={<LoadingBlock />}>
        <JobList />
      </Suspense>
    </Page>
  );
}
