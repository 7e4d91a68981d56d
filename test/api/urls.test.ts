import { describe, expect, it } from 'vitest';
import { buildQuery, normaliseNextLink, pathForMessage } from '../../src/api/urls.js';

describe('normaliseNextLink', () => {
  const base = 'http://127.0.0.1:4010/v1.0';
  it('puts the documented form (http://, no /engagements) onto the base URL, query verbatim', () => {
    expect(normaliseNextLink('http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=abc', base)).toBe(`${base}/engagements/referrals?$skiptoken=abc`);
    expect(normaliseNextLink('http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=a%2Fb%3D&$top=5', 'https://api.partner.microsoft.com/v1.0/')).toBe(
      'https://api.partner.microsoft.com/v1.0/engagements/referrals?$skiptoken=a%2Fb%3D&$top=5',
    );
  });
  it('keeps a correct link, and relative links, on the base URL', () => {
    expect(normaliseNextLink(`${base}/engagements/referrals?$skiptoken=x`, base)).toBe(`${base}/engagements/referrals?$skiptoken=x`);
    expect(normaliseNextLink('/v1.0/engagements/referrals?$skiptoken=y', base)).toBe(`${base}/engagements/referrals?$skiptoken=y`);
    expect(normaliseNextLink('https://other.example/x/y?z=1', base)).toBe(`${base}/x/y?z=1`);
  });
  it('builds OData queries and message paths without the query', () => {
    expect(buildQuery({ $filter: "a eq 'b'", $top: 1, $orderby: undefined })).toBe("?$filter=a%20eq%20'b'&$top=1");
    expect(pathForMessage(`${base}/engagements/referrals?$filter=x`, base)).toBe('/engagements/referrals');
  });
});
