import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { currencyDigits, formatAmount, formatMoney } from '../../src/core/money.js';

describe('money formatting', () => {
  it("uses each currency's own minor units", () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('KWD')).toBe(3);
    expect(currencyDigits('jpy')).toBe(0);
    expect(formatMoney(1500, 'USD')).toBe('1,500.00 USD');
    expect(formatMoney(150000, 'JPY')).toBe('150,000 JPY');
    expect(formatMoney(1500.5, 'KWD')).toBe('1,500.500 KWD');
    expect(formatMoney(1234567.5, 'EUR')).toBe('1,234,567.50 EUR');
  });

  it('falls back to two decimals for a code Intl does not know, and shows the code as written', () => {
    expect(currencyDigits('US')).toBe(2);
    expect(currencyDigits('?')).toBe(2);
    expect(currencyDigits(null)).toBe(2);
    expect(formatMoney(12, '?')).toBe('12.00 ?');
    expect(formatMoney(12, null)).toBe('12.00');
    expect(formatMoney(12, undefined)).toBe('12.00');
  });

  it('keeps decimals a value really has, so a small change is never rounded away', () => {
    expect(formatMoney(1500.5, 'JPY')).toBe('1,500.5 JPY');
    expect(formatMoney(1500.4, 'JPY')).not.toBe(formatMoney(1500.5, 'JPY'));
    expect(formatMoney(10.125, 'USD')).toBe('10.125 USD');
    expect(formatAmount(1e-7, 'USD')).toBe('0.0000001');
  });

  it('rounds totals to the minor unit (float sums leave noise)', () => {
    expect(formatMoney(0.1 + 0.2, 'USD', { rounded: true })).toBe('0.30 USD');
    expect(formatMoney(1500.4999999, 'JPY', { rounded: true })).toBe('1,500 JPY');
  });

  it('signs differences, with ±0 for none and a true minus sign', () => {
    expect(formatMoney(1500, 'USD', { signed: true })).toBe('+1,500.00 USD');
    expect(formatMoney(-1500, 'JPY', { signed: true })).toBe('\u22121,500 JPY');
    expect(formatMoney(0, 'EUR', { signed: true })).toBe('±0.00 EUR');
    expect(formatMoney(-0.001, 'USD', { signed: true, rounded: true })).toBe('±0.00 USD');
    expect(formatMoney(-0.001, 'USD', { rounded: true })).toBe('0.00 USD');
    expect(formatMoney(-20, 'USD')).toBe('\u221220.00 USD');
    expect(formatMoney(5, 'USD', { withCode: false })).toBe('5.00');
  });

  // Amounts as an API holds them: a handful of decimals at most.
  const amount = fc.tuple(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 4 })).map(([n, k]) => n / 10 ** k);
  test.prop([amount, amount, fc.constantFrom('USD', 'JPY', 'KWD')])('never shows two distinct amounts of a currency alike', (a, b, currency) => {
    fc.pre(a !== b);
    expect(formatMoney(a, currency)).not.toBe(formatMoney(b, currency));
  });
});
