import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/index.js';
import { FindingsTally } from '../../src/report/tally.js';

const finding = (position: number, code: Finding['code'] = 'ROLE_NOT_PERMITTED'): Finding => ({
  position,
  code,
  partnerId: 'contoso',
  message: `finding at ${position}`,
});

describe('FindingsTally.listedBeside: the findings of another rule set a page lists beside its own', () => {
  it('given every finding listed, then it lists the others not found here, in their order', () => {
    const tally = new FindingsTally(10);
    [finding(2), finding(5)].forEach(tally.add);
    expect(tally.listedBeside([finding(1), finding(2), finding(5, 'OUT_OF_ORDER'), finding(9)])).toEqual([
      finding(1),
      finding(5, 'OUT_OF_ORDER'),
      finding(9),
    ]);
  });

  it('given more findings than are listed, then it lists none after the last listed one, and at most as many as are listed', () => {
    const tally = new FindingsTally(2);
    [finding(2), finding(5), finding(8)].forEach(tally.add);
    expect(tally.listedBeside([finding(1), finding(3), finding(4), finding(6)])).toEqual([
      finding(1),
      finding(3),
    ]);
    expect(tally.listedBeside([finding(2), finding(6)])).toEqual([]);
  });
});
