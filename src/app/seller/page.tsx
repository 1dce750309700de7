import { Page } from "@/components/shell/page";
import { SellerDashboard } from "@/components/seller/seller-dashboard";

export const metadata = { title: "Seller" };

export default function SellerPage() {
  return (
    <Page
      title="Sell GPU time"
      description="Your nodes, what they earn, and their price. Add a GPU machine in two commands."
    >
      <SellerDashboard />
    </Page>
  );
}
