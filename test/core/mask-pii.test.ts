import { describe, expect, it } from 'vitest';
import { maskEmail, maskPhone, maskPii, maskText } from '../../src/core/mask-pii.js';

describe('maskPii', () => {
  it('keeps the first character and domain of an e-mail, the last four digits of a phone', () => {
    expect(maskEmail('jane.doe@contoso.com')).toBe('j***@contoso.com');
    expect(maskPhone('+1 (425) 555-0001')).toBe('***-***-0001');
    expect(maskPhone('12')).toBe('***');
  });

  it('masks members by key and e-mails anywhere, phones only in free text', () => {
    const member = { email: 'jane@contoso.com', phoneNumber: '425 555 0001', firstName: 'Jane' };
    expect(maskPii([member], '/team')).toEqual([{ email: 'j***@contoso.com', phoneNumber: '***-***-0001', firstName: 'Jane' }]);
    expect(maskPii('call 425-555-0123 or bob@x.org', '/details/notes')).toBe('call ***-***-0123 or b***@x.org');
    // An identifier with many digits is not a phone number outside free text.
    expect(maskPii('CRM-000123456789', '/externalReferenceId')).toBe('CRM-000123456789');
    // Dates are not phone numbers even in free text.
    expect(maskText('due 2026-03-31, ping a@b.co', true)).toBe('due 2026-03-31, ping a***@b.co');
  });
});
