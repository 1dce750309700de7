/** Extra time a running job gets past its limit before the watchdog stops waiting for the agent. */
export const TIMEOUT_GRACE_SECONDS = 30;

/**
 * A paid job's authorization must outlive its whole run (max duration + grace)
 * by at least this much, so the settlement worker can still settle it:
 * submissions are refused below it, and queued jobs that fall below it never start.
 */
export const SETTLEMENT_MARGIN_SECONDS = TIMEOUT_GRACE_SECONDS + 270;
