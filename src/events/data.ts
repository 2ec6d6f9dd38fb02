import { oneOf } from '../lib/codec.js';
import { Id } from '../lib/ids.js';
import { Currency, NonNegativeNumber, PositiveInteger } from '../lib/money.js';
import { Day } from '../lib/time.js';

/** The fields that commands and the events they record have in common, as io-ts props. */

export const DEFAULT_SUBSCRIPTION_NAME = 'Azure - Internal/Shared Services';

export const Term = oneOf('Term', ['P1Y', 'P3Y']);
export const Scope = oneOf('Scope', ['single', 'shared']);
export const Pricing = oneOf('Pricing', ['byol', 'free', 'paid']);
export const Channel = oneOf('Channel', ['marketplace', 'isv-direct']);
export const Product = oneOf('Product', ['Office365', 'Dynamics365', 'Azure', 'Other']);
export const SubscriptionStatus = oneOf('SubscriptionStatus', ['active', 'cancelled', 'migrated']);

export const tenantFields = { partnerId: Id, tenantId: Id };
export const subscriptionPurchaseFields = { ...tenantFields, subscriptionId: Id };
export const subscriptionNameField = { subscriptionName: Id };
export const subscriptionFields = { partnerId: Id, subscriptionId: Id };
export const migrationFields = { ...subscriptionFields, webDirectSubscriptionId: Id };
/** What a reserved instance is, apart from whose subscription holds it. */
export const reservedInstanceFields = {
  reservationId: Id,
  sku: Id,
  region: Id,
  term: Term,
  scope: Scope,
  quantity: PositiveInteger,
};
export const reservationFields = { ...subscriptionFields, ...reservedInstanceFields };
export const deploymentFieldsV1 = {
  ...subscriptionFields,
  deploymentId: Id,
  offerId: Id,
  publisherId: Id,
  pricing: Pricing,
};
export const deploymentFields = { ...deploymentFieldsV1, channel: Channel };
export const serviceFields = { ...tenantFields, serviceId: Id, product: Product };
export const usageFields = {
  ...subscriptionFields,
  usageId: Id,
  usageDate: Day,
  meterCategory: Id,
  meterName: Id,
  quantity: NonNegativeNumber,
  unitPrice: NonNegativeNumber,
  currency: Currency,
};
