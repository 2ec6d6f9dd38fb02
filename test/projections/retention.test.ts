import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A projection lives as long as the process: what its `init` holds is never let go of. Measured in a
// process of its own, with the collector run by hand, on the built package (`npm test` builds it).
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const script = `
const { reconciliation, invoice, overview, reservations, decodeEvent, project } = await import(${JSON.stringify(dist)});
const event = decodeEvent({
  type: 'UsageRecorded',
  data: { partnerId: 'p1', subscriptionId: 's1', usageId: 'u1', usageDate: '2023-01-01', meterCategory: 'VM',
    meterName: 'D2', quantity: 1, unitPrice: 1, currency: 'EUR' },
  metadata: { actor: { id: 'billing', role: 'System' }, at: '2023-01-01T00:00:00Z' },
}).right;
const refs = [reconciliation, invoice, overview, reservations].flatMap((projection) => {
  const applied = projection.apply(projection.apply(projection.init, event), event);
  return [new WeakRef(applied), new WeakRef(project(projection, [event], projection.init))];
});
await new Promise((resolve) => setTimeout(resolve, 0));
globalThis.gc();
globalThis.gc();
console.log(JSON.stringify(refs.map((ref) => ref.deref() === undefined)));
`;

describe('a projection in a process that runs for months', () => {
  it('given views applied from init, or projected from it, and then dropped, then the collector takes them: init keeps no progress of theirs', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(Array.from({ length: 8 }, () => true));
  });
});
