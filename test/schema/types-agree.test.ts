// The hand-written contract types in src/core (which may not import schema/) and the types generated
// from specs/*.schema.json must describe the same documents. The checks are type-level: tsc compiles
// test/ in `npm test`, so a drift fails the build; the runtime tests add that real documents
// satisfy both the schema (ajv) and both types.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { SourceLocation } from '../../src/core/diagnostics.js';
import type { NotRestorable, Plan, PlanEntry, PlanSummary } from '../../src/core/plan.js';
import type { JsonValue, PatchOp, Referral, ReferralDetails, TeamMember } from '../../src/core/referral.js';
import type * as GenPlan from '../../src/schema/generated/plan.js';
import type * as GenReferral from '../../src/schema/generated/referral.js';
import { getAjv, getValidator } from '../../src/schema/ajv.js';
import { readSpec } from '../../src/schema/specs.js';
import { samplePlan } from '../helpers/sample-plan.js';

describe('src/core/plan.ts agrees with specs/plan.schema.json', () => {
  it('a generated plan document is a core Plan and vice versa, part by part', () => {
    // Part by part first, so a drift names the part before the whole document fails.
    expectTypeOf<GenPlan.JsonValue>().toExtend<JsonValue>();
    expectTypeOf<JsonValue>().toExtend<GenPlan.JsonValue>();
    expectTypeOf<GenPlan.PatchOp>().toExtend<PatchOp>();
    expectTypeOf<PatchOp>().toExtend<GenPlan.PatchOp>();
    expectTypeOf<GenPlan.SourceLocation>().toExtend<SourceLocation>();
    expectTypeOf<SourceLocation>().toExtend<GenPlan.SourceLocation>();
    expectTypeOf<GenPlan.PlanEntry>().toExtend<PlanEntry>();
    expectTypeOf<PlanEntry>().toExtend<GenPlan.PlanEntry>();
    expectTypeOf<GenPlan.PlanSummary>().toExtend<PlanSummary>();
    expectTypeOf<PlanSummary>().toExtend<GenPlan.PlanSummary>();
    expectTypeOf<GenPlan.NotRestorable>().toExtend<NotRestorable>();
    expectTypeOf<NotRestorable>().toExtend<GenPlan.NotRestorable>();
    expectTypeOf<GenPlan.RefplanPlanDocument>().toExtend<Plan>();
    expectTypeOf<Plan>().toExtend<GenPlan.RefplanPlanDocument>();
    // The checks have teeth: a plan without a checksum, or with a `remove` op, is neither.
    expectTypeOf<Omit<Plan, 'checksum'>>().not.toExtend<GenPlan.RefplanPlanDocument>();
    expectTypeOf<{ op: 'remove'; path: string; value: null }>().not.toExtend<GenPlan.PatchOp>();
  });

  it('a plan built with the core types passes the schema and is a generated plan document', () => {
    const plan: Plan = samplePlan({ entries: 8, kind: 'rollback' });
    const asDocument: GenPlan.RefplanPlanDocument = plan;
    // plan.schema.json joins the shared ajv instance on first use (as src/files/plan-file.ts does).
    const ajv = getAjv();
    if (ajv.getSchema('plan.schema.json') === undefined) ajv.addSchema(readSpec<object>('plan.schema.json'), 'plan.schema.json');
    const validate = getValidator('plan.schema.json');
    expect(validate(asDocument), JSON.stringify(validate.errors)).toBe(true);
    const back: Plan = asDocument;
    expect(back.entries.length).toBe(8);
    expect(back.kind).toBe('rollback');
  });
});

describe('src/core/referral.ts accepts what specs/referral.schema.json describes', () => {
  // The schema leaves `id` optional (a POST body has none); core's Referral is one read from the API.
  type FetchedReferral = GenReferral.Referral & { id: string };

  it('a generated Referral with an id is a core Referral, parts included', () => {
    expectTypeOf<FetchedReferral>().toExtend<Referral>();
    expectTypeOf<GenReferral.ReferralDetails>().toExtend<ReferralDetails>();
    expectTypeOf<GenReferral.Member>().toExtend<TeamMember>();
    expectTypeOf<GenReferral.ReferralStatus>().toExtend<NonNullable<Referral['status']>>();
    expectTypeOf<GenReferral.ReferralSubstatus>().toExtend<NonNullable<Referral['substatus']>>();
    expectTypeOf<GenReferral.ReferralQualification>().toExtend<NonNullable<Referral['qualification']>>();
    // Why the id is added above: without it the generated type is not a core Referral.
    expectTypeOf<GenReferral.Referral>().not.toExtend<Referral>();
  });

  it('a referral valid against the schema can be handed to code typed with the core Referral', () => {
    const wire: FetchedReferral = {
      id: '0f5f5d3a-2c39-4c1e-9c4b-1b7d1c1e2a01',
      name: 'Contoso cloud migration',
      status: 'Active',
      substatus: 'Accepted',
      qualification: 'SalesQualified',
      details: { dealValue: 25000, currency: 'USD', notes: null },
      team: [{ email: 'jane@contoso.com', firstName: 'Jane', lastName: 'Doe' }],
      eTag: '"2500ec5a-0000-0000-0000-000000000001"',
    };
    const validate = getValidator('referral.schema.json');
    expect(validate(wire), JSON.stringify(validate.errors)).toBe(true);
    const readDealValue = (r: Referral): number | undefined => r.details?.dealValue;
    expect(readDealValue(wire)).toBe(25000);
  });
});
