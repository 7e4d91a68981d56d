/** Referral diffs the human plan view shows in full by default; on its own so `--help` can name it without loading the view. */
export const DEFAULT_LIMIT = 50;
