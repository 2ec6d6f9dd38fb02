import type * as t from 'io-ts';
import { oneOf, struct } from './codec.js';
import { Id } from './ids.js';

export const roles = [
  'GlobalAdmin',
  'AdminAgent',
  'SalesAgent',
  'BillingAdmin',
  'HelpdeskAgent',
  'UserManagementAdmin',
  'System',
] as const;
export const Role = oneOf('Role', roles);
export type Role = t.TypeOf<typeof Role>;

export const Actor = struct('Actor', { id: Id, role: Role });
export type Actor = t.TypeOf<typeof Actor>;
