import { Page } from "@/components/shell/page";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";

export default function NotFound() {
  return (
    <Page>
      <Card>
        <EmptyState
          title="Page not found"
          description="There is nothing at this address."
          action={<ButtonLink href="/">Go to the marketplace</ButtonLink>}
        />
      </Card>
    </Page>
  );
}
