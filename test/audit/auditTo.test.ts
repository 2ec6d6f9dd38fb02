import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audit, auditTo, type LogFinding } from 'apss-domain';
import { record, serviceOf, tenantOf, usageOf } from '../builders.js';

/** Records of a log: well-formed events of two partners, breaches among them, and records that are no events. */
const anyRecord = fc.oneof(
  fc.constantFrom(
    ...tenantOf('p1', 't1', 's1'),
    ...tenantOf('p2', 't2', 's2'),
    usageOf('p1', 's1', 'u1'),
    usageOf('p2', 's1', 'u1'),
    serviceOf('p1', 't1', 'o365'),
    record('ServiceProvisioned', { tenantId: 't2', serviceId: 'x', product: 'Office365' }),
  ),
  fc.constantFrom(null, 42, '{}', {}, { type: 'Nope' }),
);

describe('auditTo: the audit with its findings sent as they are found', () => {
  it('property: the sink gets the findings of audit(), in the same order, and the counts are those of the report', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyRecord, { maxLength: 40 }), async (log) => {
        const sent: LogFinding[] = [];
        const summary = await auditTo(log, (finding) => sent.push(finding));
        const { findings, ...counts } = await audit(log);
        expect(sent).toEqual(findings);
        expect(summary).toEqual({ ...counts, findings: findings.length });
      }),
    );
  });

  it('given a finding, then the sink has it before the next record is read', async () => {
    const sentWhenAsked: number[] = [];
    let sent = 0;
    function* log() {
      for (let i = 0; i < 3; i++) {
        sentWhenAsked.push(sent);
        yield { not: 'an event' };
      }
    }
    await auditTo(log(), () => (sent += 1));
    expect(sentWhenAsked).toEqual([0, 1, 2]);
  });

  it('given input it cannot start on, then the one finding that says why goes to the sink', async () => {
    const sent: LogFinding[] = [];
    expect(await auditTo(42 as never, (finding) => sent.push(finding))).toEqual({
      records: 0,
      events: 0,
      partners: 0,
      findings: 1,
    });
    expect(sent).toEqual([
      { position: 0, code: 'MALFORMED_EVENT', message: expect.stringMatching(/must be an iterable/) },
    ]);
  });

  it('given a sink that is not a function, then nothing is read and the summary counts the finding it could not be given', async () => {
    let read = 0;
    function* log() {
      read += 1;
      yield null;
    }
    expect(await auditTo(log(), 'stdout' as never)).toEqual({
      records: 0,
      events: 0,
      partners: 0,
      findings: 1,
    });
    expect(read).toBe(0);
  });

  it('given a sink that throws, then the audit stops and rejects with its error, not a finding', async () => {
    const full = new Error('disk full');
    await expect(
      auditTo([null, null], () => {
        throw full;
      }),
    ).rejects.toBe(full);
  });
});
