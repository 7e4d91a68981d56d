import { request } from 'undici';
import type { Referral } from '../../src/core/referral.js';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export const AUTH = { authorization: 'Bearer test-token' };

/** One HTTP call over a real socket; the body is sent as JSON unless it is already a string. */
export async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  options: { headers?: Record<string, string>; body?: unknown; auth?: boolean } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...(options.auth === false ? {} : AUTH), ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

let counter = 0;

/** A valid referral with the given state; ids are fixed per call order so tests can address them. */
export function makeReferral(overrides: Partial<Referral> & { id: string }): Referral {
  counter++;
  return {
    engagementId: `e0000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    name: `Test referral ${overrides.id}`,
    externalReferenceId: null,
    createdDateTime: '2025-01-01T00:00:00.000Z',
    updatedDateTime: '2025-01-02T00:00:00.000Z',
    status: 'Active',
    substatus: 'Accepted',
    statusReason: null,
    type: 'Independent',
    qualification: 'SalesQualified',
    direction: 'Outgoing',
    customerProfile: {
      name: 'Contoso Customer Inc',
      address: { addressLine1: 'One Microsoft Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
      size: '10to50employees',
      team: [],
      ids: [],
    },
    consent: { consentToToShareInfoWithOthers: true, consentToContact: true },
    details: { notes: 'initial notes', dealValue: 50000, currency: 'USD', closingDateTime: '2025-06-30T00:00:00Z' },
    team: [{ firstName: 'John', lastName: 'Doe', email: 'john.doe@example.com', phoneNumber: '1231231234' }],
    eTag: `"${overrides.id}-v1"`,
    ...overrides,
  };
}

export const referralsUrl = (base: string): string => `${base}/engagements/referrals`;
