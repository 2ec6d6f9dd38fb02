import type { Command } from 'apss-domain';
import type { EmmettCommand } from '../../src/emmett/index.js';
import { createTenant, provision, purchase, type Who } from '../builders.js';

// Commands as an Emmett user writes them: the shared builders' commands, with Emmett's `now` for `at`.

/** The Emmett command for a core one: the same type, data and actor, `at` handed in as `now` (or the `now` given). */
export function emmettCommand(command: Command, now?: Date): EmmettCommand {
  const { at, ...metadata } = command.metadata;
  return {
    type: command.type,
    data: command.data,
    metadata: { ...metadata, now: now ?? new Date(at) },
    kind: 'Command',
  } as EmmettCommand;
}

/** Who sends the Emmett tests' commands: an AdminAgent of contoso's (when is Emmett's `now`). */
const by = (partnerId: string): Who => ({ partnerId, role: 'AdminAgent', actor: 'alice@contoso' });

export const createSharedTenant = (
  partnerId: string,
  tenantId = 'tenant-1',
  subscriptionId = 'sub-1',
  now = new Date('2021-05-03T09:00:00Z'),
): EmmettCommand => emmettCommand(createTenant(tenantId, subscriptionId, by(partnerId)), now);

export const purchaseApss = (
  partnerId: string,
  subscriptionId: string,
  tenantId = 'tenant-1',
  now = new Date('2021-05-04T09:00:00Z'),
): EmmettCommand => emmettCommand(purchase(subscriptionId, tenantId, by(partnerId)), now);

/** A service on a tenant of the partner's other than the shared one: allowed before any shared tenant. */
export const provisionService = (
  partnerId: string,
  tenantId = 'office-tenant',
  now = new Date('2021-05-02T09:00:00Z'),
): EmmettCommand => emmettCommand(provision(tenantId, 'Office365', 'svc-1', by(partnerId)), now);
