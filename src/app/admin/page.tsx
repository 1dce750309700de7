import { Page } from "@/components/shell/page";
import { AdminDashboard } from "@/components/admin/admin-dashboard";

export const metadata = { title: "Admin" };

export default function AdminPage() {
  return (
    <Page title="Admin" description="Market stats, node moderation, payments and the audit log.">
      <AdminDashboard />
    </Page>
  );
}
