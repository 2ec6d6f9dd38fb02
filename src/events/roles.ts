import type * as t from 'io-ts';
import { oneOf, struct } from '../lib/codec.js';
import { Id } from '../lib/ids.js';

export const Role = oneOf('Role', [
  'GlobalAdmin',
  'AdminAgent',
  'SalesAgent',
  'BillingAdmin',
  'HelpdeskAgent',
  'UserManagementAdmin',
  'System',
]);
export const roles = Role.values;
export type Role = t.TypeOf<typeof Role>;

export const Actor = struct('Actor', { id: Id, role: Role });
export type Actor = t.TypeOf<typeof Actor>;
