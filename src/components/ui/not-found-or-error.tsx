import type { ReactNode } from "react";
import { Card } from "./card";
import { EmptyState } from "./empty-state";
import { ErrorMessage } from "./error-message";

/** The body of a detail page whose record could not be loaded: "no such …", or the error with a retry. */
export function NotFoundOrError({
  notFound,
  notFoundTitle,
  notFoundDescription,
  action,
  error,
  errorTitle,
  onRetry,
}: {
  notFound: boolean;
  notFoundTitle: string;
  notFoundDescription: string;
  action: ReactNode;
  error: unknown;
  errorTitle: string;
  onRetry: () => void;
}) {
  return (
    <Card>
      {notFound ? (
        <EmptyState title={notFoundTitle} description={notFoundDescription} action={action} />
      ) : (
        <div className="p-5">
          <ErrorMessage error={error} title={errorTitle} onRetry={onRetry} />
        </div>
      )}
    </Card>
  );
}
