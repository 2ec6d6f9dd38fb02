import type { Command } from 'apss-domain';
import type { EmmettCommand } from '../../src/emmett/index.js';

// Commands as an Emmett user writes them: the core's fixtures, with Emmett's `now` where they have `at`.

/** The Emmett command for a core one: the same type, data and actor, `at` handed in as `now`. */
export function emmettCommand(command: Command): EmmettCommand {
  const { at, ...metadata } = command.metadata;
  return {
    type: command.type,
    data: command.data,
    metadata: { ...metadata, now: new Date(at) },
    kind: 'Command',
  } as EmmettCommand;
}

const admin = { id: 'alice@contoso', role: 'AdminAgent' } as const;

export const createSharedTenant = (
  partnerId: string,
  tenantId = 'tenant-1',
  subscriptionId = 'sub-1',
  now = new Date('2021-05-03T09:00:00Z'),
): EmmettCommand => ({
  type: 'CreateSharedTenant',
  data: { partnerId, tenantId, subscriptionId },
  metadata: { actor: admin, now },
});

export const purchaseApss = (
  partnerId: string,
  subscriptionId: string,
  tenantId = 'tenant-1',
  now = new Date('2021-05-04T09:00:00Z'),
): EmmettCommand => ({
  type: 'PurchaseApss',
  data: { partnerId, tenantId, subscriptionId },
  metadata: { actor: admin, now },
});

/** A service on a tenant of the partner's other than the shared one: allowed before any shared tenant. */
export const provisionService = (
  partnerId: string,
  tenantId = 'office-tenant',
  now = new Date('2021-05-02T09:00:00Z'),
): EmmettCommand => ({
  type: 'ProvisionService',
  data: { partnerId, tenantId, serviceId: 'svc-1', product: 'Office365' },
  metadata: { actor: admin, now },
});
