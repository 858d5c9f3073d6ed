import { formatPercent } from './money';

describe('formatPercent', () => {
  it('signs rises with + and falls with the minus sign, zero and missing without', () => {
    expect(formatPercent(12.54)).toBe('+12.5 %');
    expect(formatPercent(-3)).toBe('−3 %');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(undefined)).toBe('n/a');
  });
});
