import { Page } from "@/components/shell/page";
import { StatusPage } from "@/components/status/status-page";

export const metadata = { title: "Status" };

export default function Status() {
  return (
    <Page title="Status" description="Whether each part of the marketplace is working right now.">
      <StatusPage />
    </Page>
  );
}
