import * as E from 'fp-ts/lib/Either.js';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeciderSpecification, EmmettError, type Decider } from '@event-driven-io/emmett';
import { decide, fold, rules2023, type DomainEvent, type PartnerState, type Rejection } from 'apss-domain';
import { anyCommand, validHistory } from 'apss-domain/testing';
import { emmettDecider, RejectionError, type EmmettCommand } from '../../src/emmett/index.js';
import { createSharedTenant, emmettCommand, purchaseApss } from './fixtures.js';

const decider = emmettDecider();
const given = DeciderSpecification.for(decider);

const admin = { id: 'alice@contoso', role: 'AdminAgent' } as const;
const created = (partnerId: string, tenantId: string, at: string): DomainEvent => ({
  type: 'SharedTenantCreated',
  data: { partnerId, tenantId },
  metadata: { actor: admin, at, schemaVersion: 1 },
});
const purchased = (partnerId: string, tenantId: string, subscriptionId: string, at: string): DomainEvent => ({
  type: 'ApssSubscriptionPurchased',
  data: { partnerId, tenantId, subscriptionId, subscriptionName: 'Azure - Internal/Shared Services' },
  metadata: { actor: admin, at, schemaVersion: 2 },
});

/** Emmett's error check: the RejectionError carries this code (and these field paths, where given). */
const rejected =
  (code: Rejection['code'], details?: readonly string[]) =>
  (error: RejectionError): boolean =>
    error.rejection.code === code &&
    (details === undefined || JSON.stringify(error.rejection.details) === JSON.stringify(details));

describe("emmettDecider in Emmett's DeciderSpecification", () => {
  it('is an Emmett Decider over the core state and events, as the type checker sees it (#12)', () => {
    const asEmmett: Decider<PartnerState, EmmettCommand, DomainEvent> = decider;
    expect(asEmmett.initialState()).toBe(fold([]));
  });

  it('given no events, when CreateSharedTenant, then the tenant and its first APSS subscription, at `now` in UTC', () => {
    given([])
      .when(createSharedTenant('contoso', 'contoso-shared', 'sub-1'))
      .then([
        created('contoso', 'contoso-shared', '2021-05-03T09:00:00.000Z'),
        purchased('contoso', 'contoso-shared', 'sub-1', '2021-05-03T09:00:00.000Z'),
      ]);
  });

  it('given a shared tenant, when PurchaseApss on it, then one more subscription', () => {
    given([created('contoso', 'tenant-1', '2021-05-01T00:00:00Z')])
      .when(purchaseApss('contoso', 'sub-2'))
      .then(purchased('contoso', 'tenant-1', 'sub-2', '2021-05-04T09:00:00.000Z'));
  });

  it('given a shared tenant, when CreateSharedTenant again, then a RejectionError carrying TENANT_ALREADY_EXISTS (R1)', () => {
    given([created('contoso', 'tenant-1', '2021-05-01T00:00:00Z')])
      .when(createSharedTenant('contoso', 'tenant-2', 'sub-2'))
      .thenThrows(RejectionError, rejected('TENANT_ALREADY_EXISTS'));
  });

  it('given no events, when PurchaseApss, then a RejectionError carrying NO_SHARED_TENANT', () => {
    given([]).when(purchaseApss('contoso', 'sub-1')).thenThrows(RejectionError, rejected('NO_SHARED_TENANT'));
  });

  it('when `now` is an Invalid Date, then INVALID_COMMAND naming metadata.now, an Emmett ValidationError', () => {
    given([])
      .when(createSharedTenant('contoso', 'tenant-1', 'sub-1', new Date('not a date')))
      .thenThrows(
        RejectionError,
        (error: RejectionError) =>
          rejected('INVALID_COMMAND', ['metadata.now'])(error) &&
          error.errorCode === EmmettError.Codes.ValidationError,
      );
  });

  it.each([
    ['metadata is missing', { ...createSharedTenant('contoso'), metadata: undefined }, 'metadata'],
    ['metadata is null', { ...createSharedTenant('contoso'), metadata: null }, 'metadata'],
    ['the command is null', null, '(root)'],
  ])(
    'when %s, then INVALID_COMMAND naming it, an Emmett ValidationError, not a TypeError',
    (_, bad, field) => {
      given([])
        .when(bad as unknown as EmmettCommand)
        .thenThrows(
          RejectionError,
          (error: RejectionError) =>
            rejected('INVALID_COMMAND', [field])(error) &&
            error.errorCode === EmmettError.Codes.ValidationError,
        );
    },
  );

  it('when the data is malformed, then INVALID_COMMAND naming the field, as the core says it', () => {
    const bad = { ...createSharedTenant('contoso'), data: { partnerId: 'contoso', tenantId: '' } };
    given([])
      .when(bad as unknown as EmmettCommand)
      .thenThrows(RejectionError, rejected('INVALID_COMMAND', ['data.tenantId', 'data.subscriptionId']));
  });

  it('a broken rule is an Emmett IllegalStateError (403), an instance of EmmettError and of Error, its message the code and reason', () => {
    let thrown: unknown;
    try {
      decider.decide(purchaseApss('contoso', 'sub-1'), decider.initialState());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RejectionError);
    expect(thrown).toBeInstanceOf(EmmettError);
    expect(EmmettError.isInstanceOf(thrown, EmmettError.Codes.IllegalStateError)).toBe(true);
    expect((thrown as RejectionError).name).toBe('RejectionError');
    expect((thrown as RejectionError).message).toMatch(/^NO_SHARED_TENANT: /);
  });

  it('decides with the rules it is given (rules2023 no longer lets a GlobalAdmin create a shared tenant)', () => {
    const byGlobalAdmin: EmmettCommand = {
      ...createSharedTenant('contoso'),
      metadata: { actor: { id: 'root@contoso', role: 'GlobalAdmin' }, now: new Date('2024-06-01T00:00:00Z') },
    };
    expect(emmettDecider().decide(byGlobalAdmin, fold([]))).toHaveLength(2);
    DeciderSpecification.for(emmettDecider(rules2023))([])
      .when(byGlobalAdmin)
      .thenThrows(RejectionError, rejected('ROLE_NOT_PERMITTED'));
  });

  it('property: for any valid history and any command, it decides as the core decide does, a Rejection thrown as a RejectionError', () => {
    fc.assert(
      fc.property(validHistory(), anyCommand(), (history, command) => {
        const state = fold(history);
        const asEmmett = emmettCommand(command);
        const core = decide(
          {
            ...command,
            metadata: { ...command.metadata, at: asEmmett.metadata.now.toISOString() },
          } as typeof command,
          state,
        );
        let events: unknown;
        try {
          events = decider.decide(asEmmett, state);
        } catch (error) {
          if (!(error instanceof RejectionError)) throw error;
          expect(E.left(error.rejection)).toEqual(core);
          return;
        }
        expect(E.right(events)).toEqual(core);
      }),
      { numRuns: 200 },
    );
  });
});
