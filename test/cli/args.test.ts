import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/cli/args.js';

const parsed = (...argv: string[]) => {
  const result = parseCommandLine(argv);
  if (E.isLeft(result)) throw new Error(`expected ${argv.join(' ')} to parse, got: ${result.left.message}`);
  return result.right;
};
const refused = (...argv: string[]) => {
  const result = parseCommandLine(argv);
  if (E.isRight(result)) throw new Error(`expected ${argv.join(' ')} to be refused`);
  return result.left.message;
};

/** What `apss audit log.ndjson` means with no flags. */
const auditDefaults = {
  file: 'log.ndjson',
  rules: 'default',
  json: false,
  ndjson: false,
  exitZero: false,
  verify: false,
};

describe('apss audit arguments', () => {
  it('given only a file, then the default rules, human output and exit status on findings', () => {
    expect(parsed('audit', 'log.ndjson')).toEqual({
      command: 'audit',
      args: auditDefaults,
    });
  });

  it('given every flag, in any order, then each is read', () => {
    expect(parsed('audit', '--json', '--rules=2023', '-', '--exit-zero')).toEqual({
      command: 'audit',
      args: { file: '-', rules: '2023', json: true, ndjson: false, exitZero: true, verify: false },
    });
    expect(parsed('audit', '--rules', '2023', 'log.ndjson').command).toBe('audit');
    expect(
      parsed('audit', 'log.ndjson', '--public-key', 'k.pem', '--verify', '--checkpoint', 'cp.json'),
    ).toEqual({
      command: 'audit',
      args: { ...auditDefaults, verify: true, checkpoint: 'cp.json', publicKey: 'k.pem' },
    });
    expect(parsed('audit', 'log.ndjson', '--jobs', '3')).toEqual({
      command: 'audit',
      args: { ...auditDefaults, jobs: 3 },
    });
  });

  it('given --postgres instead of a file, then the store is the source', () => {
    expect(parsed('audit', '--postgres', 'postgres://u@h/db')).toEqual({
      command: 'audit',
      args: {
        postgres: 'postgres://u@h/db',
        rules: 'default',
        json: false,
        ndjson: false,
        exitZero: false,
        verify: false,
      },
    });
  });

  it.each([
    [['audit'], 'missing the log file to audit (a path, - for stdin, or --postgres <connection string>)'],
    [['audit', 'a', 'b'], 'expected one log file, got 2: a b'],
    [['audit', 'a', '--rules', '2024'], '--rules must be one of default, 2023 (got "2024")'],
    [['audit', 'a', '--rules'], '--rules needs a value'],
    [['audit', 'a', '--rules', '--json'], '--rules needs a value'],
    [['audit', 'a', '--verbose'], 'unknown option --verbose'],
    [['audit', 'a', '-v'], 'unknown option -v'],
    [['audit', 'a', '--json=yes'], '--json takes no value'],
    [['audit', 'a', '--json', '--json'], '--json is given twice'],
    [['audit', 'a', '--postgres', 'x'], 'give either a log file or --postgres, not both'],
    [['audit', ''], 'the log file must be a file path, or - for stdin (got "")'],
    [['audit', 'a', '--jobs', '0'], '--jobs must be a whole number from 1 to 64 (got "0")'],
    [['audit', 'a', '--jobs', 'all'], '--jobs must be a whole number from 1 to 64 (got "all")'],
  ])('given apss %j, then it is refused: %s', (argv, message) => {
    expect(refused(...argv)).toBe(message);
  });
});

describe('apss replay arguments', () => {
  it('given only a file, then the overview as text', () => {
    expect(parsed('replay', 'log.ndjson')).toEqual({
      command: 'replay',
      args: { file: 'log.ndjson', view: 'overview', json: false, csv: false },
    });
  });

  it('given --as-of with an offset, then it is read as an instant in UTC', () => {
    expect(
      parsed('replay', 'log.ndjson', '--view', 'invoice', '--as-of', '2019-02-28T23:30:00-02:00', '--csv'),
    ).toEqual({
      command: 'replay',
      args: { file: 'log.ndjson', view: 'invoice', asOf: '2019-03-01T01:30:00.000Z', json: false, csv: true },
    });
  });

  it.each([
    [['replay'], 'missing the log file to replay (a path, or - for stdin)'],
    [
      ['replay', 'a', '--view', 'ledger'],
      '--view must be one of overview, reconciliation, invoice, reservations (got "ledger")',
    ],
    [
      ['replay', 'a', '--as-of', '2019-02-30'],
      '--as-of must be an ISO-8601 instant with Z or an offset, like 2019-03-01T00:00:00Z (got "2019-02-30")',
    ],
    [['replay', 'a', '--json', '--csv'], 'choose one of --json and --csv'],
    [['replay', 'a', '--rules', '2023'], 'unknown option --rules'],
  ])('given apss %j, then it is refused: %s', (argv, message) => {
    expect(refused(...argv)).toBe(message);
  });
});

describe('apss generate arguments', () => {
  it('given partners and events, then the default seed and no violations', () => {
    expect(parsed('generate', '--partners', '3', '--events', '100')).toEqual({
      command: 'generate',
      args: { partners: 3, events: 100, seed: 'apss', violations: 0 },
    });
  });

  it.each([
    [['generate', '--events', '10'], 'missing --partners <number>'],
    [['generate', '--partners', '1'], 'missing --events <number>'],
    [
      ['generate', '--partners', '0', '--events', '10'],
      '--partners must be a whole number from 1 to 1000000 (got "0")',
    ],
    [
      ['generate', '--partners', '2000000', '--events', '9000000'],
      '--partners must be a whole number from 1 to 1000000 (got "2000000")',
    ],
    [
      ['generate', '--partners', '2', '--events', '1e6'],
      '--events must be a whole number from 1 to 1000000000 (got "1e6")',
    ],
    [
      ['generate', '--partners', '2', '--events', '10', '--violations', '-1'],
      '--violations must be a whole number from 0 to 1000000000 (got "-1")',
    ],
    [
      ['generate', '--partners', '2', '--events', '10', '--violations', 'x'],
      '--violations must be a whole number from 0 to 1000000000 (got "x")',
    ],
    [
      ['generate', '--partners', '5', '--events', '12', '--violations', '3'],
      '--events must be at least 13 for 5 partners and 3 violations (2 events to create each partner, 1 per violation)',
    ],
    [
      ['generate', 'out.ndjson', '--partners', '1', '--events', '2'],
      'takes no file (it writes to stdout), got: out.ndjson',
    ],
  ])('given apss %j, then it is refused: %s', (argv, message) => {
    expect(refused(...argv)).toBe(message);
  });
});

describe('apss itself', () => {
  it.each([[['--help']], [['-h']], [['help']]])('given %j, then help', (argv) => {
    expect(parsed(...argv)).toEqual({ command: 'help' });
  });

  it("given --help after a command, then that command's help", () => {
    expect(parsed('audit', '--help')).toEqual({ command: 'help', topic: 'audit' });
  });

  it.each([
    [[], 'missing command: audit, replay, generate, export, seal, checkpoint or keygen'],
    [
      ['check'],
      'unknown command check (expected audit, replay, generate, export, seal, checkpoint or keygen)',
    ],
    [
      ['--json'],
      'unknown option --json (a command comes first: audit, replay, generate, export, seal, checkpoint or keygen)',
    ],
  ])('given apss %j, then it is refused: %s', (argv, message) => {
    expect(refused(...argv)).toBe(message);
  });
});
