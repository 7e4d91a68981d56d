import { putToPatch as putToPatchCore, type PutToPatchOptions, type PutToPatchResult } from '../core/put-to-patch.js';
import type { Referral } from '../core/referral.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';

/**
 * The public `putToPatch`: the pure core function with the rules loaded from
 * specs/ by default, so integration code can call `putToPatch(current, desired)`.
 */
export function putToPatch(current: Referral, desired: Referral, options: Partial<PutToPatchOptions> = {}): PutToPatchResult {
  return putToPatchCore(current, desired, {
    ...options,
    writablePaths: options.writablePaths ?? loadWritablePaths(),
    table: options.table ?? loadTransitionTable(),
  });
}
