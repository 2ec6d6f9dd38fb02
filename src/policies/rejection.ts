import type * as t from 'io-ts';
import { oneOf } from '../lib/codec.js';

export const RejectionCode = oneOf('RejectionCode', [
  'INVALID_COMMAND',
  'ROLE_NOT_PERMITTED',
  'TENANT_ALREADY_EXISTS',
  'TENANT_NOT_EXCLUSIVE',
  'SHARED_TENANT_EXCLUSIVE',
  'NO_SHARED_TENANT',
  'NOT_SHARED_TENANT',
  'SUBSCRIPTION_NOT_FOUND',
  'SUBSCRIPTION_NOT_ACTIVE',
  'MARKETPLACE_CUTOFF',
  'THIRD_PARTY_OFFER_NOT_SUPPORTED',
  'DUPLICATE_ID',
  'OUT_OF_ORDER',
  'USAGE_OUTSIDE_SUBSCRIPTION_PERIOD',
  'PARTNER_MISMATCH',
]);
export type RejectionCode = t.TypeOf<typeof RejectionCode>;

/** Why a command was refused. `details` holds field paths for INVALID_COMMAND. */
export type Rejection = {
  readonly code: RejectionCode;
  readonly message: string;
  readonly details?: readonly string[];
};
