import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { parseArgs } from 'node:util';
import { integerFrom, oneOf, preview, problemsOf, refined, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Instant } from '../lib/time.js';
import { minimumEvents } from './generate/size.js';
import { verifyFlagsProblem } from './verifyFlags.js';

/** A whole number written in decimal digits, from `min` to `max`. */
const countFrom = (name: string, min: number, max: number) =>
  new t.Type<number, string, unknown>(
    name,
    integerFrom(name, min, max).is,
    (u, c) => {
      const n = typeof u === 'string' && /^\d+$/.test(u) ? Number(u) : Number.NaN;
      return n >= min && n <= max
        ? t.success(n)
        : t.failure(u, c, `must be a whole number from ${min} to ${max} (got ${preview(u)})`);
    },
    String,
  );

const nonEmpty = (name: string, expectation: string) =>
  refined(name, (u): u is string => typeof u === 'string' && u.length > 0, expectation);

const LogFile = nonEmpty('LogFile', 'a file path, or - for stdin');
const HtmlFile = nonEmpty('HtmlFile', 'a file path to write the HTML report to');
const FilePath = nonEmpty('FilePath', 'a file path');
const ConnectionString = nonEmpty(
  'ConnectionString',
  'a PostgreSQL connection string, like postgres://user@localhost/apss',
);

/** `APSS_MIN_BYTES_PER_THREAD`, as the environment gives it. */
export const MinBytesPerThread = countFrom('APSS_MIN_BYTES_PER_THREAD', 1, Number.MAX_SAFE_INTEGER);

export const RulesName = oneOf('RulesName', ['default', '2023']);
export const View = oneOf('View', ['overview', 'reconciliation', 'invoice', 'reservations']);

const SchemaName = nonEmpty('Schema', 'a schema name');
const TableName = nonEmpty('Table', 'a table name');

const AuditArguments = struct(
  'AuditArguments',
  {
    rules: RulesName,
    json: t.boolean,
    ndjson: t.boolean,
    exitZero: t.boolean,
    verify: t.boolean,
  },
  {
    file: LogFile,
    postgres: ConnectionString,
    jobs: countFrom('Jobs', 1, 64),
    checkpoint: FilePath,
    publicKey: FilePath,
    html: HtmlFile,
    resume: FilePath,
    schema: SchemaName,
    table: TableName,
  },
);

const CheckpointArguments = struct(
  'CheckpointArguments',
  { file: LogFile, key: FilePath },
  { out: FilePath },
);
const KeygenArguments = struct('KeygenArguments', { outDir: FilePath });

const ReplayArguments = struct(
  'ReplayArguments',
  { file: LogFile, view: View, json: t.boolean, csv: t.boolean },
  { asOf: Instant },
);

const GenerateArguments = struct('GenerateArguments', {
  partners: countFrom('Partners', 1, 1_000_000),
  events: countFrom('Events', 1, 1_000_000_000),
  seed: Id,
  violations: countFrom('Violations', 0, 1_000_000_000),
});

const ExportArguments = struct(
  'ExportArguments',
  { postgres: ConnectionString },
  { schema: SchemaName, table: TableName },
);

const SealArguments = struct('SealArguments', { file: LogFile });

export type AuditArguments = t.TypeOf<typeof AuditArguments>;
export type ExportArguments = t.TypeOf<typeof ExportArguments>;
export type SealArguments = t.TypeOf<typeof SealArguments>;
export type ReplayArguments = t.TypeOf<typeof ReplayArguments>;
export type GenerateArguments = t.TypeOf<typeof GenerateArguments>;
export type CheckpointArguments = t.TypeOf<typeof CheckpointArguments>;
export type KeygenArguments = t.TypeOf<typeof KeygenArguments>;

/** What the command line asks for. */
export type Invocation =
  | { readonly command: 'help'; readonly topic?: Subcommand }
  | { readonly command: 'version' }
  | { readonly command: 'audit'; readonly args: AuditArguments }
  | { readonly command: 'replay'; readonly args: ReplayArguments }
  | { readonly command: 'generate'; readonly args: GenerateArguments }
  | { readonly command: 'export'; readonly args: ExportArguments }
  | { readonly command: 'seal'; readonly args: SealArguments }
  | { readonly command: 'checkpoint'; readonly args: CheckpointArguments }
  | { readonly command: 'keygen'; readonly args: KeygenArguments };

export type Subcommand = 'audit' | 'replay' | 'generate' | 'export' | 'seal' | 'checkpoint' | 'keygen';

/** A command line apss cannot act on: which command it was for (if any), and one line saying why. */
export type UsageError = { readonly command?: Subcommand; readonly message: string };

type OptionSpec = { readonly type: 'string' | 'boolean'; readonly field: string };

/** Each subcommand's options: how parseArgs reads them and which field of the arguments they fill. */
const specs: { readonly [K in Subcommand]: { readonly [flag: string]: OptionSpec } } = {
  audit: {
    rules: { type: 'string', field: 'rules' },
    json: { type: 'boolean', field: 'json' },
    ndjson: { type: 'boolean', field: 'ndjson' },
    'exit-zero': { type: 'boolean', field: 'exitZero' },
    postgres: { type: 'string', field: 'postgres' },
    jobs: { type: 'string', field: 'jobs' },
    html: { type: 'string', field: 'html' },
    resume: { type: 'string', field: 'resume' },
    verify: { type: 'boolean', field: 'verify' },
    checkpoint: { type: 'string', field: 'checkpoint' },
    'public-key': { type: 'string', field: 'publicKey' },
    schema: { type: 'string', field: 'schema' },
    table: { type: 'string', field: 'table' },
  },
  replay: {
    view: { type: 'string', field: 'view' },
    'as-of': { type: 'string', field: 'asOf' },
    json: { type: 'boolean', field: 'json' },
    csv: { type: 'boolean', field: 'csv' },
  },
  generate: {
    partners: { type: 'string', field: 'partners' },
    events: { type: 'string', field: 'events' },
    seed: { type: 'string', field: 'seed' },
    violations: { type: 'string', field: 'violations' },
  },
  export: {
    postgres: { type: 'string', field: 'postgres' },
    schema: { type: 'string', field: 'schema' },
    table: { type: 'string', field: 'table' },
  },
  seal: {},
  checkpoint: { key: { type: 'string', field: 'key' }, out: { type: 'string', field: 'out' } },
  keygen: { 'out-dir': { type: 'string', field: 'outDir' } },
};

const defaults: { readonly [K in Subcommand]: Record<string, unknown> } = {
  audit: { rules: 'default', json: false, ndjson: false, exitZero: false, verify: false },
  replay: { view: 'overview', json: false, csv: false },
  generate: { seed: 'apss', violations: '0' },
  export: {},
  seal: {},
  checkpoint: {},
  keygen: {},
};

/** The commands as messages list them: `audit, replay, ... or seal`. */
const commandList = ((names: readonly string[]) =>
  `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`)(Object.keys(specs));

const isSubcommand = (u: string): u is Subcommand => Object.prototype.hasOwnProperty.call(specs, u);

/** The flag a field came from, for messages: `exitZero` was given as `--exit-zero`. */
const flagOf = (command: Subcommand, field: string): string => {
  if (field === 'file') return 'the log file';
  const flag = Object.entries(specs[command]).find(([, spec]) => spec.field === field)?.[0];
  return flag === undefined ? field : `--${flag}`;
};

const fail = (command: Subcommand | undefined, message: string): E.Either<UsageError, never> =>
  E.left(command === undefined ? { message } : { command, message });

/** Reads the options and operands of one subcommand into its raw fields, refusing any flag it does not know. */
function readOptions(
  command: Subcommand,
  argv: readonly string[],
): E.Either<UsageError, { fields: Record<string, unknown>; operands: string[]; help: boolean }> {
  const spec = specs[command];
  const options = Object.fromEntries(
    Object.entries({ ...spec, help: { type: 'boolean' as const }, h: { type: 'boolean' as const } }).map(
      ([flag, { type }]) => [flag, { type }],
    ),
  );
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const fields: Record<string, unknown> = { ...defaults[command] };
  const seen = new Set<string>();
  const operands: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === 'positional') operands.push(token.value);
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.name === 'h') {
      help = true;
      continue;
    }
    const option = Object.prototype.hasOwnProperty.call(spec, token.name) ? spec[token.name] : undefined;
    if (option === undefined) return fail(command, `unknown option ${token.rawName}`);
    if (seen.has(token.name)) return fail(command, `${token.rawName} is given twice`);
    seen.add(token.name);
    if (option.type === 'boolean') {
      if (token.value !== undefined) return fail(command, `${token.rawName} takes no value`);
      fields[option.field] = true;
    } else {
      // Without a value parseArgs would take the next flag for one (`--rules --json`).
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--')))
        return fail(command, `${token.rawName} needs a value`);
      fields[option.field] = token.value;
    }
  }
  return E.right({ fields, operands, help });
}

/** Decodes the raw fields of a subcommand; the first problem becomes the message, named by its flag. */
function decodeFields<A>(
  command: Subcommand,
  codec: t.Decoder<unknown, A>,
  fields: Record<string, unknown>,
): E.Either<UsageError, A> {
  const decoded = codec.decode(fields);
  if (E.isRight(decoded)) return decoded;
  const [first] = problemsOf(decoded.left);
  return fail(
    command,
    first === undefined ? 'invalid arguments' : `${flagOf(command, first.path)} ${first.reason}`,
  );
}

function oneFile(command: Subcommand, operands: readonly string[]): E.Either<UsageError, string | undefined> {
  if (operands.length > 1)
    return fail(command, `expected one log file, got ${operands.length}: ${operands.join(' ')}`);
  return E.right(operands[0]);
}

/** The one file a command must be given, or what is wrong: `missing` says what it is for. */
function requiredFile(
  command: Subcommand,
  operands: readonly string[],
  missing: string,
): E.Either<UsageError, string> {
  return E.chain((file: string | undefined) => (file === undefined ? fail(command, missing) : E.right(file)))(
    oneFile(command, operands),
  );
}

/** Reads `apss <command> ...` (the arguments after the program name). Never throws. */
export function parseCommandLine(argv: readonly string[]): E.Either<UsageError, Invocation> {
  const [name, ...rest] = argv;
  if (name === undefined) return fail(undefined, `missing command: ${commandList}`);
  if (name === '--version') return E.right({ command: 'version' });
  if (name === '--help' || name === '-h') return E.right({ command: 'help' });
  if (name === 'help') {
    const [topic, ...extra] = rest;
    if (topic === undefined) return E.right({ command: 'help' });
    if (!isSubcommand(topic) || extra.length > 0)
      return fail(undefined, `no help on ${rest.join(' ')} (apss help ${commandList})`);
    return E.right({ command: 'help', topic });
  }
  if (!isSubcommand(name))
    return fail(
      undefined,
      name.startsWith('-')
        ? `unknown option ${name} (a command comes first: ${commandList})`
        : `unknown command ${name} (expected ${commandList})`,
    );
  const read = readOptions(name, rest);
  if (E.isLeft(read)) return read;
  const { fields, operands, help } = read.right;
  if (help) return E.right({ command: 'help', topic: name });
  switch (name) {
    case 'audit': {
      const file = oneFile(name, operands);
      if (E.isLeft(file)) return file;
      if (file.right === undefined && fields.postgres === undefined)
        return fail(
          name,
          'missing the log file to audit (a path, - for stdin, or --postgres <connection string>)',
        );
      if (file.right !== undefined && fields.postgres !== undefined)
        return fail(name, 'give either a log file or --postgres, not both');
      if (fields.json === true && fields.ndjson === true)
        return fail(name, 'choose one of --json and --ndjson');
      for (const flag of ['schema', 'table'])
        if (fields[flag] !== undefined && fields.postgres === undefined)
          return fail(name, `--${flag} names the table of --postgres: give --postgres <connection string>`);
      if (fields.html !== undefined && file.right === '-')
        return fail(name, '--html needs a log file or --postgres: stdin can be read only once');
      if (fields.resume !== undefined && (file.right === undefined || file.right === '-'))
        return fail(name, '--resume needs a log file: it reads the log again from a saved byte offset');
      if (fields.resume !== undefined && fields.html !== undefined)
        return fail(
          name,
          'choose one of --resume and --html: a resumed run reads only the new lines, a page shows the whole log',
        );
      if (fields.resume !== undefined && fields.verify === true)
        return fail(
          name,
          'choose one of --resume and --verify: a resumed run does not follow the chain of the lines before',
        );
      const verifyProblem = verifyFlagsProblem(fields);
      if (verifyProblem !== undefined) return fail(name, verifyProblem);
      const args = decodeFields(name, AuditArguments, {
        ...fields,
        ...(file.right === undefined ? {} : { file: file.right }),
      });
      return E.map((decoded: AuditArguments) => ({ command: name, args: decoded }) as const)(args);
    }
    case 'replay': {
      const file = requiredFile(name, operands, 'missing the log file to replay (a path, or - for stdin)');
      if (E.isLeft(file)) return file;
      if (fields.json === true && fields.csv === true) return fail(name, 'choose one of --json and --csv');
      const args = decodeFields(name, ReplayArguments, { ...fields, file: file.right });
      return E.map((decoded: ReplayArguments) => ({ command: name, args: decoded }) as const)(args);
    }
    case 'generate': {
      if (operands.length > 0)
        return fail(name, `takes no file (it writes to stdout), got: ${operands.join(' ')}`);
      for (const required of ['partners', 'events'])
        if (fields[required] === undefined) return fail(name, `missing --${required} <number>`);
      const args = decodeFields(name, GenerateArguments, fields);
      if (E.isLeft(args)) return args;
      const { partners, events, violations } = args.right;
      const needed = minimumEvents(partners, violations);
      if (events < needed)
        return fail(
          name,
          `--events must be at least ${needed} for ${partners} partners and ${violations} violations (2 events to create each partner, 1 per violation)`,
        );
      return E.right({ command: name, args: args.right });
    }
    case 'export': {
      if (operands.length > 0)
        return fail(name, `takes no file (it writes to stdout), got: ${operands.join(' ')}`);
      if (fields.postgres === undefined) return fail(name, 'missing --postgres <connection string>');
      const args = decodeFields(name, ExportArguments, fields);
      return E.map((decoded: ExportArguments) => ({ command: name, args: decoded }) as const)(args);
    }
    case 'seal': {
      const file = requiredFile(name, operands, 'missing the log file to seal (a path, or - for stdin)');
      if (E.isLeft(file)) return file;
      const args = decodeFields(name, SealArguments, { file: file.right });
      return E.map((decoded: SealArguments) => ({ command: name, args: decoded }) as const)(args);
    }
    case 'checkpoint': {
      const file = requiredFile(name, operands, 'missing the sealed log file to sign the head of');
      if (E.isLeft(file)) return file;
      if (fields.key === undefined) return fail(name, 'missing --key <private.pem>');
      const args = decodeFields(name, CheckpointArguments, { ...fields, file: file.right });
      return E.map((decoded: CheckpointArguments) => ({ command: name, args: decoded }) as const)(args);
    }
    case 'keygen': {
      if (operands.length > 0) return fail(name, `takes no operand, got: ${operands.join(' ')}`);
      if (fields.outDir === undefined) return fail(name, 'missing --out-dir <directory>');
      const args = decodeFields(name, KeygenArguments, fields);
      return E.map((decoded: KeygenArguments) => ({ command: name, args: decoded }) as const)(args);
    }
  }
}
