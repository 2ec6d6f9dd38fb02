import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import * as api from 'apss-domain';
import { validHistory } from 'apss-domain/testing';
import { preview } from '../../src/lib/codec.js';
import { anyCommandInput, anyEventInput, anyOptions, anyRulesInput, anyValue, fuzzRuns } from './values.js';

// The boundary functions against every kind of value (see values.ts): they answer, resolve or reject
// as documented, and never throw. `npm test` runs a few hundred values per function; `npm run fuzz`
// runs APSS_FUZZ_RUNS (100000 unless set) per function.

/**
 * fc.check, a failure reported with the counterexample previewed: the library's own report renders it
 * with fc.stringify, which throws for some of these values (an object that only inherits from Map).
 */
function assertProperty<Ts>(property: fc.IAsyncProperty<Ts>, parameters: fc.Parameters<Ts>): Promise<void>;
function assertProperty<Ts>(property: fc.IProperty<Ts>, parameters: fc.Parameters<Ts>): void;
function assertProperty<Ts>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  parameters: fc.Parameters<Ts>,
): Promise<void> | void {
  const raise = (details: fc.RunDetails<Ts>): void => {
    if (!details.failed) return;
    const shown = ((details.counterexample ?? []) as unknown as readonly unknown[])
      .map((value) => preview(value))
      .join(', ');
    throw new Error(
      `failed after ${details.numRuns} runs on (${shown}): ${String(details.errorInstance)}\n` +
        `replay with { seed: ${details.seed}, path: ${JSON.stringify(details.counterexamplePath)} }`,
      { cause: details.errorInstance },
    );
  };
  if (property.isAsync()) return fc.check(property as fc.IAsyncProperty<Ts>, parameters).then(raise);
  raise(fc.check(property as fc.IProperty<Ts>, parameters));
}

const runs = fuzzRuns(300);
const timeout = Math.max(60_000, runs * 30);
const codes: ReadonlySet<string> = new Set(api.RejectionCode.values);
/** A message refusing any value stays readable: every problem is named briefly, unknown fields and bad events counted past ten. */
const MAX_MESSAGE = 10_000;

const isRejection = (u: unknown): boolean =>
  typeof u === 'object' &&
  u !== null &&
  codes.has((u as api.Rejection).code) &&
  typeof (u as api.Rejection).message === 'string' &&
  (u as api.Rejection).message.length < MAX_MESSAGE;

/** An iterable the audit can read to its end in a test: a log's records are read one by one, every one. */
function boundedRecords(u: unknown): boolean {
  if (typeof u !== 'object' || u === null) return true;
  if (Array.isArray(u)) return u.length <= 10_000;
  return !ArrayBuffer.isView(u) && !(u instanceof String);
}

const histories = fc.oneof(
  validHistory({ maxCommands: 6 }),
  validHistory({ maxCommands: 6 }).map((events) => JSON.parse(JSON.stringify(events)) as unknown),
  fc.array(anyEventInput(), { maxLength: 6 }),
  anyValue(),
);
const recordSources = fc.oneof(
  fc.array(anyEventInput(), { maxLength: 8 }),
  fc.array(anyEventInput(), { maxLength: 8 }).map(async function* (records) {
    yield* records;
  }),
  anyValue().filter(boundedRecords),
);
const auditOptions = fc.oneof(
  fc.constant(undefined),
  fc.record({ rules: anyRulesInput() }, { requiredKeys: [] }),
  anyValue(),
);
const commandOptions = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      rules: anyRulesInput(),
      decider: fc.oneof(fc.constant(api.apssDecider()), anyValue()),
      retries: fc.oneof(fc.nat(3), anyValue()),
      cache: fc.oneof(fc.constant(false), anyValue()),
    },
    { requiredKeys: [] },
  ),
  anyValue(),
);

describe(`the boundary functions answer ${runs} values each of any kind, and never throw`, () => {
  it(
    `decodeCommand: a command or INVALID_COMMAND naming the fields (${runs} values)`,
    () => {
      assertProperty(
        fc.property(anyCommandInput(), (input) => {
          const result = api.decodeCommand(input);
          return (
            E.isRight(result) ||
            (result.left.code === 'INVALID_COMMAND' &&
              isRejection(result.left) &&
              (result.left.details?.length ?? 0) > 0)
          );
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `decodeEvent: an event or MALFORMED_EVENT naming the fields (${runs} values)`,
    () => {
      assertProperty(
        fc.property(anyEventInput(), (input) => {
          const result = api.decodeEvent(input);
          return (
            E.isRight(result) ||
            (result.left.code === 'MALFORMED_EVENT' &&
              result.left.message.length < MAX_MESSAGE &&
              result.left.details.length > 0)
          );
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `handle: events or a rejection, for any history, command and rules (${runs} values)`,
    () => {
      assertProperty(
        fc.property(
          histories,
          anyCommandInput(),
          fc.option(anyRulesInput(), { nil: undefined }),
          (history, command, rules) => {
            const result = api.handle(history as Iterable<unknown>, command, rules as api.RuleSet);
            return E.isRight(result) ? Array.isArray(result.right) : isRejection(result.left);
          },
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `audit: resolves to a report for any records and options (${runs} values)`,
    async () => {
      await assertProperty(
        fc.asyncProperty(recordSources, auditOptions, async (records, options) => {
          const report = await api.audit(records as Iterable<unknown>, options as api.AuditOptions);
          expect(
            report.findings.every((f) => Number.isSafeInteger(f.position) && f.message.length < MAX_MESSAGE),
          ).toBe(true);
          expect(report.records).toBeGreaterThanOrEqual(report.events);
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `handleCommand: resolves for any store, command and options (${runs} values)`,
    async () => {
      const store = new api.InMemoryEventStore();
      const stores = fc.oneof(
        { weight: 4, arbitrary: fc.constant(store) },
        { weight: 1, arbitrary: anyValue() },
      );
      await assertProperty(
        fc.asyncProperty(stores, anyCommandInput(), commandOptions, async (given, command, options) => {
          const result = await api.handleCommand(
            given as api.EventStore,
            command,
            options as api.HandleCommandOptions,
          );
          return E.isRight(result)
            ? result.right.nextVersion >= result.right.events.length
            : isRejection(result.left);
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `the in-memory store: appends and reads resolve, or reject with EventStoreRequestError or ConcurrencyError (${runs} values)`,
    async () => {
      const store = new api.InMemoryEventStore();
      const streamIds = fc.oneof(fc.constantFrom('partner-p1', 'partner-p2'), anyValue());
      const events = fc.oneof(fc.array(anyEventInput(), { maxLength: 4 }), anyValue());
      const expected = fc.oneof(
        fc.record({ expectedVersion: fc.oneof(fc.constantFrom('any', 'no_stream'), fc.nat(5), anyValue()) }),
        anyValue(),
      );
      const refusedAsDocumented = (error: unknown): boolean =>
        error instanceof api.EventStoreRequestError || error instanceof api.ConcurrencyError;
      const settled = async (work: () => Promise<unknown>): Promise<boolean> => {
        try {
          await work();
          return true;
        } catch (error) {
          return refusedAsDocumented(error);
        }
      };
      const drain = async (source: AsyncIterable<unknown>): Promise<void> => {
        for await (const _ of source);
      };
      await assertProperty(
        fc.asyncProperty(
          streamIds,
          events,
          expected,
          anyOptions('after'),
          async (streamId, given, options, read) => {
            const append = await settled(() =>
              store.appendToStream(
                streamId as string,
                given as api.DomainEvent[],
                options as api.AppendOptions,
              ),
            );
            const stream = await settled(() =>
              drain(store.readStream(streamId as string, read as api.ReadStreamOptions)),
            );
            const all = await settled(() => drain(store.readAll(read as api.ReadAllOptions)));
            return append && stream && all;
          },
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `compileRules: compiled rules or why not (${runs} values)`,
    () => {
      assertProperty(
        fc.property(anyRulesInput(), (rules) => {
          const result = api.compileRules(rules);
          return E.isRight(result) || (typeof result.left === 'string' && result.left.length < MAX_MESSAGE);
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `partnerStreamId: a stream name for any value (${runs} values)`,
    () => {
      assertProperty(
        fc.property(anyValue(), (partnerId) =>
          api.partnerStreamId(partnerId as string).startsWith('partner-'),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `StateCache: built from any options, fed any entries, it keeps counting true (${runs} values)`,
    () => {
      const versions = fc.oneof(fc.nat(20), anyValue());
      const states = fc.oneof(fc.constant(api.initialState), anyValue());
      const entries = fc.array(
        fc.tuple(fc.oneof(fc.constantFrom('a', 'b', 'c'), anyValue()), versions, states),
        {
          maxLength: 6,
        },
      );
      assertProperty(
        fc.property(anyOptions('maxBytes'), entries, (options, given) => {
          const cache = new api.StateCache(options as { maxBytes?: number });
          for (const [streamId, version, state] of given) {
            cache.set(streamId as string, version as number, state as api.PartnerState);
            cache.get(streamId as string);
          }
          // Whatever was fed, a state that fits is still kept: the bytes held are a true count.
          cache.delete('probe');
          cache.set('probe', 1, api.initialState);
          return Array.isArray(cache.problems) && cache.get('probe')?.version === 1;
        }),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `every exported codec: decode and is answer for any value (${runs} values)`,
    () => {
      const codecs = Object.values(api as Record<string, unknown>).filter(
        (value): value is { decode: (u: unknown) => unknown; is: (u: unknown) => boolean } =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { decode?: unknown }).decode === 'function',
      );
      assertProperty(
        fc.property(anyValue(), (input) =>
          codecs.every((codec) => {
            codec.decode(input);
            return typeof codec.is(input) === 'boolean';
          }),
        ),
        { numRuns: runs },
      );
    },
    timeout,
  );

  it(
    `preview: at most 48 characters for any value (${runs} values)`,
    () => {
      assertProperty(
        fc.property(anyValue(), (value) => preview(value).length <= 48),
        { numRuns: runs },
      );
    },
    timeout,
  );
});
