import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describeProblems, isArray, preview, problemsOf, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Role } from '../events/roles.js';
import { Instant } from '../lib/time.js';
import type { EventType } from '../events/codecs.js';

/** Longer role lists than this are refused outright: a list names each of the few roles at most once or twice. */
export const MAX_ROLES = 64;

/**
 * A list of roles, decoded into a new frozen array: the list given may be any array (one without a
 * prototype, a sparse one), and only its elements are read, by index.
 */
const Roles: t.Type<readonly Role[], readonly Role[], unknown> = new t.Type<
  readonly Role[],
  readonly Role[],
  unknown
>(
  'Roles',
  (u): u is readonly Role[] => E.isRight(Roles.validate(u, [])),
  (u, c) => {
    if (!isArray(u) || u.length > MAX_ROLES)
      return t.failure(u, c, `must be an array of at most ${MAX_ROLES} roles (got ${preview(u)})`);
    const list: Role[] = [];
    const errors: t.ValidationError[] = [];
    for (let i = 0; i < u.length; i++) {
      const role = Role.validate(u[i], t.appendContext(c, String(i), Role, u[i]));
      if (E.isLeft(role)) errors.push(...role.left);
      else list.push(role.right);
    }
    return errors.length > 0 ? t.failures(errors) : t.success(Object.freeze(list));
  },
  t.identity,
);

/** The parameters of the rules: who may record each kind of event, and the Marketplace cutoff. */
export const RuleSet = struct('RuleSet', {
  name: Id,
  permittedRoles: struct('PermittedRoles', {
    SharedTenantCreated: Roles,
    ApssSubscriptionPurchased: Roles,
    SubscriptionCancelled: Roles,
    SubscriptionMigratedToWebDirect: Roles,
    ReservedInstancePurchased: Roles,
    MarketplaceOfferDeployed: Roles,
    ServiceProvisioned: Roles,
    UsageRecorded: Roles,
  }),
  marketplaceCutoff: Instant,
});
/**
 * A rule set. The functions that take one check it once per object and keep what they made of it:
 * it is read-only, and a rule set changed is a new object (`{ ...rules, marketplaceCutoff }`).
 */
export type RuleSet = t.TypeOf<typeof RuleSet>;

const partnerActions = (roles: t.TypeOf<typeof Roles>): RuleSet['permittedRoles'] => ({
  SharedTenantCreated: roles,
  ApssSubscriptionPurchased: roles,
  SubscriptionCancelled: roles,
  SubscriptionMigratedToWebDirect: roles,
  ReservedInstancePurchased: roles,
  MarketplaceOfferDeployed: roles,
  ServiceProvisioned: roles,
  UsageRecorded: ['System'],
});

/** The Partner Center page of 11/11/2020. */
export const defaultRules: RuleSet = Object.freeze({
  name: 'default',
  permittedRoles: Object.freeze(
    partnerActions(Object.freeze(['GlobalAdmin', 'AdminAgent', 'SalesAgent'] as const)),
  ),
  marketplaceCutoff: '2019-03-01T00:00:00.000Z',
});

/** Later versions of the page: global admins are no longer listed. */
export const rules2023: RuleSet = Object.freeze({
  name: '2023',
  permittedRoles: Object.freeze(partnerActions(Object.freeze(['AdminAgent', 'SalesAgent'] as const))),
  marketplaceCutoff: '2019-03-01T00:00:00.000Z',
});

/** A rule set made ready for judging many events: a role set per event type, the decoded cutoff. */
export type CompiledRules = {
  readonly source: RuleSet;
  readonly roles: { readonly [K in EventType]: ReadonlySet<string> };
  /** The cutoff as a decoded instant (UTC, fixed width), to compare with `isEarlier`. */
  readonly cutoff: string;
};

const compiled = new WeakMap<object, CompiledRules>();

/** Checks a rule set once (a value from outside may be anything) and keeps the result for next time. */
export function compileRules(rules: unknown): E.Either<string, CompiledRules> {
  if (typeof rules === 'object' && rules !== null) {
    const known = compiled.get(rules);
    if (known !== undefined) return E.right(known);
  }
  const decoded = RuleSet.decode(rules);
  if (E.isLeft(decoded)) return E.left(`invalid rule set: ${describeProblems(problemsOf(decoded.left))}`);
  const source = decoded.right;
  const roles = Object.fromEntries(
    Object.entries(source.permittedRoles).map(([type, list]) => [type, new Set<string>(list)]),
  ) as unknown as CompiledRules['roles'];
  const result: CompiledRules = { source, roles, cutoff: source.marketplaceCutoff };
  if (typeof rules === 'object' && rules !== null) compiled.set(rules, result);
  return E.right(result);
}
