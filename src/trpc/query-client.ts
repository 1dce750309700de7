import { defaultShouldDehydrateQuery, QueryClient } from "@tanstack/react-query";
import { transformer } from "@/lib/transformer";

/** One QueryClient per browser tab (and per request on the server), the t3 way. */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Discovery is rate-limited per IP: reuse cached answers and never hammer the API.
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) => {
          const status = (error as { data?: { httpStatus?: number } }).data?.httpStatus;
          if (status && status >= 400 && status < 500) return false;
          return failureCount < 2;
        },
      },
      dehydrate: {
        serializeData: transformer.serialize,
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
      hydrate: { deserializeData: transformer.deserialize },
    },
  });
}
