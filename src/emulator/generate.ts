import type { Referral } from '../core/referral.js';
import { enumValues } from '../schema/specs.js';
import { createPrng, type Prng } from './prng.js';

/**
 * Deterministic, realistic referrals for demos, tests and benchmarks: the same
 * (count, seed) always gives the same data, independent of the clock.
 * Mix: ~20% New (Pending/Received), ~45% Active/Accepted, ~35% Closed
 * (Won, Lost, Declined, Expired).
 */
const BASE_MS = Date.parse('2026-06-01T00:00:00Z');
const DAY = 86_400_000;

const FIRST = ['Anna', 'Ben', 'Chen', 'Diego', 'Emma', 'Farah', 'Gustav', 'Hana', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tomoko', 'Umar', 'Vera', 'Wei', 'Yusuf', 'Zoe'];
const LAST = ['Andersson', 'Brown', 'Chandra', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hansen', 'Ito', 'Jansen', 'Kowalski', 'Larsen', 'Müller', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Smith', 'Tanaka', 'van Dijk', 'Wang', 'Yilmaz'];
const COMPANY_A = ['Contoso', 'Fabrikam', 'Northwind', 'Adventure Works', 'Tailspin', 'Wingtip', 'Litware', 'Proseware', 'Woodgrove', 'Alpine Ski', 'Coho', 'Lucerne', 'Margie', 'Trey', 'Blue Yonder', 'Humongous', 'Fourth Coffee', 'Wide World'];
const COMPANY_B = ['Manufacturing', 'Logistics', 'Health', 'Retail', 'Bank', 'Energy', 'Foods', 'Travel', 'Insurance', 'Pharma', 'Media', 'Labs'];
const COMPANY_C = ['Inc', 'Ltd', 'GmbH', 'B.V.', 'AB', 'S.A.', 'K.K.', 'Pty Ltd', 'LLC'];
const PLACES = [
  { country: 'US', currency: 'USD', city: 'Redmond', state: 'WA', postalCode: '98052', locale: 'en-US', region: 'North America' },
  { country: 'US', currency: 'USD', city: 'Austin', state: 'TX', postalCode: '78701', locale: 'en-US', region: 'North America' },
  { country: 'CA', currency: 'CAD', city: 'Toronto', state: 'ON', postalCode: 'M5H 2N2', locale: 'en-CA', region: 'North America' },
  { country: 'GB', currency: 'GBP', city: 'London', state: '', postalCode: 'EC1A 1BB', locale: 'en-GB', region: 'Europe' },
  { country: 'DE', currency: 'EUR', city: 'München', state: 'BY', postalCode: '80331', locale: 'de-DE', region: 'Europe' },
  { country: 'NL', currency: 'EUR', city: 'Amsterdam', state: 'NH', postalCode: '1012 JS', locale: 'nl-NL', region: 'Europe' },
  { country: 'FR', currency: 'EUR', city: 'Lyon', state: '', postalCode: '69002', locale: 'fr-FR', region: 'Europe' },
  { country: 'SE', currency: 'SEK', city: 'Stockholm', state: '', postalCode: '111 52', locale: 'sv-SE', region: 'Europe' },
  { country: 'JP', currency: 'JPY', city: 'Tokyo', state: '', postalCode: '100-0005', locale: 'ja-JP', region: 'Asia' },
  { country: 'AU', currency: 'AUD', city: 'Sydney', state: 'NSW', postalCode: '2000', locale: 'en-AU', region: 'Oceania' },
  { country: 'BR', currency: 'BRL', city: 'São Paulo', state: 'SP', postalCode: '01310-100', locale: 'pt-BR', region: 'South America' },
  { country: 'IN', currency: 'INR', city: 'Bengaluru', state: 'KA', postalCode: '560001', locale: 'en-IN', region: 'Asia' },
];
const STREETS = ['Main Street', 'Keizersgracht', 'Marienplatz', 'Queen Street', 'Rue de la République', 'Drottninggatan', 'Marunouchi', 'George Street', 'Avenida Paulista', 'MG Road'];
const PRODUCTS = ['Azure', 'Dynamics365Business', 'Dynamics365Enterprise', 'Microsoft365', 'PowerBI', 'SQL', 'Teams', 'SharePoint', 'EnterpriseMobilityAndSecurity'];
const SERVICES = ['ConsultingAndProfessional', 'DeploymentOrMigration', 'Integration', 'ManagedServices', 'Licensing', 'ProjectServices'];
const INDUSTRIES = ['Manufacturing', 'Financial Services', 'Healthcare', 'Retail & Consumer Goods', 'Education', 'Government', 'Travel & Transportation', 'Power & Utilities'];
const SOLUTIONS = ['CloudMigration', 'DataWarehouse', 'Dynamics365forSales', 'Dynamics365forFieldService', 'MachineLearning', 'IdentityandAccessManagement', 'SAPonAzure'];
const PROJECTS = ['rollout', 'migration', 'renewal', 'pilot', 'expansion', 'modernisation'];
const LOST_REASONS = ['Customer chose another vendor', 'Budget inadequate', "Customer didn't respond", 'Timeline too short'];
const DECLINE_REASONS = ['Not a customer we can serve', 'Requirement not met', 'Outside our region'];
const PARTNER = { organizationId: '7d23e5ca-19dc-4eaa-aac8-5e6b559f0d1d', organizationName: 'Fabrikam Partners', domain: 'fabrikam-partners.example' };

const iso = (ms: number): string => new Date(ms).toISOString();
const slug = (s: string): string => s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();

function person(prng: Prng, domain: string, locale: string): Record<string, unknown> {
  const firstName = prng.pick(FIRST);
  const lastName = prng.pick(LAST);
  return {
    firstName,
    lastName,
    phoneNumber: `+${prng.int(10, 99)} ${prng.int(100, 999)} ${prng.int(1000, 9999)}`,
    email: `${slug(firstName)}.${slug(lastName)}@${domain}`,
    contactPreference: { locale, disableNotifications: prng.next() < 0.1 },
  };
}

function pickState(prng: Prng): { status: string; substatus: string } {
  const u = prng.next();
  if (u < 0.2) return { status: 'New', substatus: prng.next() < 0.6 ? 'Pending' : 'Received' };
  if (u < 0.65) return { status: 'Active', substatus: 'Accepted' };
  const c = prng.next();
  return { status: 'Closed', substatus: c < 0.35 ? 'Won' : c < 0.65 ? 'Lost' : c < 0.85 ? 'Declined' : 'Expired' };
}

function generateOne(prng: Prng, index: number, sizes: readonly string[]): Referral {
  const id = prng.guid();
  const engagementId = prng.guid();
  const place = prng.pick(PLACES);
  const company = `${prng.pick(COMPANY_A)} ${prng.pick(COMPANY_B)} ${prng.pick(COMPANY_C)}`;
  const customerDomain = `${slug(company.split(' ')[0] ?? 'customer')}${prng.int(1, 99)}.example`;
  const { status, substatus } = pickState(prng);
  const incoming = status === 'New' || substatus === 'Declined' || substatus === 'Expired' || prng.next() < 0.5;
  const created = BASE_MS - prng.int(1, 540) * DAY - prng.int(0, DAY / 1000 - 1) * 1000;
  const updated = Math.min(BASE_MS, created + prng.int(0, 60) * DAY + prng.int(0, 86_399) * 1000);
  const closed = status === 'Closed';
  const accepted = status === 'Active' || substatus === 'Won' || substatus === 'Lost';
  const product = prng.pick(PRODUCTS);
  const teamSize = prng.int(1, 3);
  const team = Array.from({ length: teamSize }, () => person(prng, PARTNER.domain, place.locale));
  const currency = place.currency;
  const scale = currency === 'JPY' ? 100 : currency === 'INR' ? 50 : currency === 'SEK' ? 10 : 1;
  const dealValue = prng.int(20, 5000) * 100 * scale;
  const statusReason =
    substatus === 'Lost' ? prng.pick(LOST_REASONS) : substatus === 'Declined' ? prng.pick(DECLINE_REASONS) : substatus === 'Won' ? 'Customer signed the order' : null;
  const referral: Referral = {
    id,
    engagementId,
    organizationId: PARTNER.organizationId,
    organizationName: PARTNER.organizationName,
    name: `${company} – ${product} ${prng.pick(PROJECTS)}`,
    externalReferenceId: prng.next() < 0.4 ? `CRM-${String(100000 + index).padStart(6, '0')}` : null,
    createdDateTime: iso(created),
    updatedDateTime: iso(updated),
    expirationDateTime: status === 'New' ? iso(Math.floor(created / DAY) * DAY + 14 * DAY) : null,
    acceptedDateTime: accepted ? iso(created + prng.int(0, 5) * DAY) : null,
    status,
    substatus,
    statusReason,
    type: prng.next() < 0.7 ? 'Independent' : 'Shared',
    qualification: prng.pick(['Direct', 'MarketingQualified', 'SalesQualified', 'SalesQualified', 'None']),
    direction: incoming ? 'Incoming' : 'Outgoing',
    customerProfile: {
      name: company,
      address: {
        addressLine1: `${prng.int(1, 400)} ${prng.pick(STREETS)}`,
        addressLine2: '',
        city: place.city,
        state: place.state,
        postalCode: place.postalCode,
        country: place.country,
        region: place.region,
      },
      size: prng.pick(sizes),
      team: Array.from({ length: prng.int(1, 2) }, () => person(prng, customerDomain, place.locale)),
      ids: prng.next() < 0.3 ? [{ profileType: 'Duns', id: String(prng.int(100_000_000, 999_999_999)) }] : [],
    },
    consent: { consentToToShareInfoWithOthers: true, consentToContact: prng.next() < 0.9 },
    details: {
      notes: `${company} wants help with a ${product} ${prng.pick(PROJECTS)}.`,
      dealValue,
      currency,
      closingDateTime: iso(Math.floor(created / DAY) * DAY + prng.int(30, 240) * DAY),
      requirements: {
        industries: [{ id: prng.pick(INDUSTRIES) }],
        products: [{ id: product }],
        services: [{ id: prng.pick(SERVICES) }],
        solutions: prng.next() < 0.5 ? [{ id: prng.pick(SOLUTIONS), type: 'Category' }] : [],
      },
    },
    team,
    inviteContext: incoming
      ? { notes: `Hi ${PARTNER.organizationName}, hoping you can help this customer.`, invitedBy: { organizationId: 'msft', organizationName: 'Microsoft' } }
      : { notes: null, invitedBy: { organizationId: PARTNER.organizationId, organizationName: PARTNER.organizationName } },
    target: [{ type: 'BusinessProfileLocation', id: incoming ? PARTNER.organizationId : 'msft' }],
    eTag: `"${prng.guid()}"`,
    links: {
      relatedReferrals: { uri: `https://api.partner.microsoft.com/v1.0/engagements/referrals?$filter=engagementId eq '${engagementId}'`, method: 'GET' },
      self: { uri: `https://api.partner.microsoft.com/v1.0/engagements/referrals/${id}`, method: 'GET' },
    },
  };
  if (closed) referral['closedDateTime'] = iso(updated);
  return referral;
}

export function generateReferrals(count: number, seed = 1): Referral[] {
  const prng = createPrng(seed);
  const sizes = enumValues('CustomerSize');
  return Array.from({ length: count }, (_, i) => generateOne(prng, i, sizes));
}
