import { Button } from "./button";

/** The "load the next page" footer of an infinite list (react-query's fetchNextPage). */
export function ShowMore({
  query,
  label,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  label: string;
}) {
  if (!query.hasNextPage) return null;
  return (
    <div className="flex justify-center border-t border-slate-100 p-3">
      <Button
        variant="secondary"
        size="sm"
        onClick={() => void query.fetchNextPage()}
        loading={query.isFetchingNextPage}
      >
        {label}
      </Button>
    </div>
  );
}
