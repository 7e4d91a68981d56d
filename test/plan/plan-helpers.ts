import { createClient } from '../../src/api/client.js';
import type { Referral } from '../../src/core/referral.js';

/** A client for the emulator with the plain token provider (the emulator accepts any bearer token). */
export function emulatorClient(baseUrl: string, extra: Record<string, unknown> = {}) {
  return createClient({ baseUrl, token: { getToken: async () => 'test-token' }, ...extra });
}

export const isNew = (r: Referral) => r.status === 'New';
export const isActive = (r: Referral) => r.status === 'Active';
export const isClosedAs = (substatus: string) => (r: Referral) => r.status === 'Closed' && r.substatus === substatus;

/** The first n referrals matching, failing loudly when the generated data has too few. */
export function pick(all: readonly Referral[], test: (r: Referral) => boolean, n = 1): Referral[] {
  const found = all.filter(test).slice(0, n);
  if (found.length < n) throw new Error(`the emulator data has only ${found.length} referrals of the kind the test needs (${n})`);
  return found;
}

/** A CSV with a header and rows, as a user would save it. */
export function csv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
