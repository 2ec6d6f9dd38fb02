import fc from 'fast-check';
import { isRecord } from '../lib/codec.js';
import type { CommandType } from '../domain/commands.js';
import type { EventType } from '../events/codecs.js';
import { DEFAULT_SUBSCRIPTION_NAME } from '../events/data.js';
import { reasonOf } from '../lib/reason.js';

/** Counterexamples people can read: a command log, one line per message, and the seed to replay it. */

type Data = Record<string, unknown>;

const plain = /^[\w.:@/+-]{1,64}$/;
const show = (u: unknown): string => {
  if (typeof u === 'string') return plain.test(u) ? u : JSON.stringify(u);
  return u === undefined ? '?' : fc.stringify(u);
};

const tenant = (d: Data) => `${show(d.partnerId)} tenant ${show(d.tenantId)}`;
const purchase = (d: Data) =>
  `${tenant(d)} sub ${show(d.subscriptionId)}` +
  (d.subscriptionName === undefined || d.subscriptionName === DEFAULT_SUBSCRIPTION_NAME
    ? ''
    : ` named ${JSON.stringify(d.subscriptionName)}`);
const subscription = (d: Data) => `${show(d.partnerId)}/${show(d.subscriptionId)}`;
const migration = (d: Data) => `${subscription(d)} to ${show(d.webDirectSubscriptionId)}`;
const reservation = (d: Data) =>
  `${subscription(d)} ${show(d.reservationId)} ${show(d.term)} ${show(d.scope)} x${show(d.quantity)}`;
const deployment = (d: Data) =>
  `${subscription(d)} ${show(d.deploymentId)} ${show(d.pricing)} ${show(d.channel)}`;
const service = (d: Data) => `${tenant(d)} ${show(d.serviceId)} ${show(d.product)}`;
const usage = (d: Data) => `${subscription(d)} ${show(d.usageId)} ${show(d.usageDate)}`;

// What a line says about each message: the fields the rules look at.
const subjects: Record<CommandType | EventType, (data: Data) => string> = {
  CreateSharedTenant: purchase,
  PurchaseApss: purchase,
  CancelSubscription: subscription,
  MigrateToWebDirect: migration,
  BuyReservedInstance: reservation,
  DeployMarketplaceOffer: deployment,
  ProvisionService: service,
  RecordUsage: usage,
  SharedTenantCreated: tenant,
  ApssSubscriptionPurchased: purchase,
  SubscriptionCancelled: subscription,
  SubscriptionMigratedToWebDirect: migration,
  ReservedInstancePurchased: reservation,
  MarketplaceOfferDeployed: deployment,
  ServiceProvisioned: service,
  UsageRecorded: usage,
};

const isMessage = (u: unknown): u is { type: keyof typeof subjects; data?: unknown; metadata?: unknown } =>
  isRecord(u) && typeof u.type === 'string' && Object.prototype.hasOwnProperty.call(subjects, u.type);

/** An instant without the zero seconds and milliseconds that only make a log harder to read. */
function shortInstant(at: string): string {
  const parts = /^(.*T\d\d:\d\d)(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(at);
  if (parts === null) return at;
  const [, minutes, seconds = '', fraction = '', zone] = parts;
  const millis = /^\.0*$/.test(fraction) ? '' : fraction;
  return `${minutes}${seconds === ':00' && millis === '' ? '' : seconds}${millis}${zone}`;
}

/**
 * One line for a command or an event: when, who, what, and the fields the rules look at.
 * `2019-03-01T00:00Z AdminAgent DeployMarketplaceOffer p1/s2 d3 byol marketplace`.
 * Anything else is shown as fast-check shows values.
 */
export function formatMessage(message: unknown): string {
  if (!isMessage(message)) return fc.stringify(message);
  const metadata = isRecord(message.metadata) ? message.metadata : {};
  const actor = isRecord(metadata.actor) ? metadata.actor : {};
  const at = typeof metadata.at === 'string' ? shortInstant(metadata.at) : '?';
  const subject = subjects[message.type](isRecord(message.data) ? message.data : {});
  return `${at} ${show(actor.role)} ${message.type} ${subject}`;
}

/** A log of commands or events, one line each. */
export const formatLog = (messages: Iterable<unknown>): string => [...messages].map(formatMessage).join('\n');

const isLog = (u: unknown): u is readonly unknown[] => Array.isArray(u) && u.length > 0 && u.every(isMessage);

/** The lines a counterexample's value prints as: a log if it is messages, fast-check's rendering if not. */
function render(value: unknown): string[] {
  if (isLog(value)) return value.map(formatMessage);
  if (isMessage(value)) return [formatMessage(value)];
  if (isRecord(value) && Object.values(value).some((v) => isLog(v) || isMessage(v)))
    return Object.entries(value).flatMap(([key, v]) =>
      isLog(v) || isMessage(v)
        ? [`${key}:`, ...render(v).map((line) => `  ${line}`)]
        : [`${key}: ${fc.stringify(v)}`],
    );
  return fc.stringify(value).split('\n');
}

const messageOf = (error: unknown): string => {
  const text = reasonOf(error);
  const lines = text.split('\n');
  return lines.length > 40
    ? [...lines.slice(0, 40), `... (${lines.length - 40} more lines)`].join('\n')
    : text;
};

/**
 * The report of a failed fast-check run, with the counterexample as a log and the seed and path that
 * replay it; undefined if the run passed.
 */
export function describeFailure<Ts>(details: fc.RunDetails<Ts>): string | undefined {
  if (!details.failed) return undefined;
  const { seed, counterexample, counterexamplePath } = details;
  if (counterexample === null) return fc.defaultReportMessage(details);
  const values = counterexample as unknown as readonly unknown[];
  const lines = [
    `Property failed after ${details.numRuns} run(s), counterexample shrunk ${details.numShrinks} time(s):`,
    ...values.flatMap((value, index) => {
      const shown = render(value).map((line) => `  ${line}`);
      return values.length === 1 ? shown : [`argument ${index + 1}:`, ...shown];
    }),
    `Failure: ${messageOf(details.errorInstance)}`,
    `Replay with: { seed: ${seed}, path: ${JSON.stringify(counterexamplePath)}, endOnFailure: true }`,
  ];
  return lines.join('\n');
}

/** A property's failure, its message the readable report; seed and path replay it. */
export class CounterexampleError extends Error {
  override readonly name = 'CounterexampleError';
  readonly seed: number;
  readonly path: string | null;
  readonly counterexample: unknown;

  constructor(report: string, details: fc.RunDetails<unknown>) {
    super(report, { cause: details.errorInstance });
    this.seed = details.seed;
    this.path = details.counterexamplePath;
    this.counterexample = details.counterexample;
  }
}

const raise = <Ts>(details: fc.RunDetails<Ts>): void => {
  const report = describeFailure(details);
  if (report !== undefined) throw new CounterexampleError(report, details as fc.RunDetails<unknown>);
};

/**
 * fc.assert, with a failure reported as a readable command log plus the seed and path to replay it.
 * Returns a promise for an async property.
 */
export function assertProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  parameters?: fc.Parameters<Ts>,
): Promise<void>;
export function assertProperty<Ts>(property: fc.IProperty<Ts>, parameters?: fc.Parameters<Ts>): void;
export function assertProperty<Ts>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  parameters?: fc.Parameters<Ts>,
): Promise<void> | void {
  if (property.isAsync()) return fc.check(property as fc.IAsyncProperty<Ts>, parameters).then(raise);
  raise(fc.check(property as fc.IProperty<Ts>, parameters));
}
