/** Most procedure calls in one tRPC HTTP batch: the browser's link splits above it, the server refuses more. */
export const TRPC_MAX_BATCH_SIZE = 20;
