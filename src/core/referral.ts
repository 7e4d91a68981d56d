/**
 * The Referral resource as refplan handles it. The authoritative shape is
 * specs/referral.schema.json; this type names only what refplan's own code reads
 * and keeps the rest open, because the real API adds fields.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface TeamMember {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phoneNumber?: string | null;
  [key: string]: unknown;
}

export interface ReferralDetails {
  notes?: string | null;
  dealValue?: number;
  currency?: string | null;
  closingDateTime?: string | null;
  [key: string]: unknown;
}

export interface Referral {
  id: string;
  eTag?: string;
  name?: string;
  externalReferenceId?: string | null;
  status?: string;
  substatus?: string;
  statusReason?: string | null;
  qualification?: string;
  createdDateTime?: string;
  updatedDateTime?: string;
  details?: ReferralDetails;
  team?: TeamMember[];
  [key: string]: unknown;
}

/** A JSON Patch operation of the two kinds the referrals API accepts. */
export interface PatchOp {
  op: 'replace' | 'add';
  path: string;
  value: JsonValue;
}
