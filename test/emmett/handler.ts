import {
  canCreateEventStoreSession,
  DeciderCommandHandler,
  isExpectedVersionConflictError,
  type EventStore,
} from '@event-driven-io/emmett';
import { emmettDecider } from '../../src/emmett/index.js';

// What the in-memory and the PostgreSQL suites share: the handler as a user writes it, and a race.

/** The command handler an Emmett user writes: the decider as it is, and Emmett's retry on conflicts. */
export const handle = DeciderCommandHandler({
  ...emmettDecider(),
  retry: { onVersionConflict: { retries: 5, minTimeout: 1, maxTimeout: 10 } },
});

/** The same without retries: the loser of a race sees Emmett's version conflict. */
export const handleOnce = DeciderCommandHandler(emmettDecider());

/**
 * A store whose appends wait until `count` appends have been attempted (the first try of every racer),
 * so that every racer reads and decides on the same version: the race is certain, not left to timing.
 * A store that opens sessions (PostgreSQL's) has the store of each session wrapped likewise.
 */
export function racing<S extends EventStore>(store: S, allDecided: () => Promise<void>): S {
  const wrapped = {
    ...store,
    appendToStream: async (...args: unknown[]): Promise<unknown> => {
      await allDecided();
      return Reflect.apply(store.appendToStream, store, args) as unknown;
    },
  };
  if (canCreateEventStoreSession(store))
    Object.assign(wrapped, {
      withSession: <T>(callback: (session: { eventStore: EventStore }) => Promise<T>) =>
        store.withSession((session) =>
          callback({ ...session, eventStore: racing(session.eventStore, allDecided) }),
        ),
    });
  return wrapped as S;
}

/** The outcome of each racer: the stream version it appended, or what it was refused with. */
export const outcome = (result: PromiseSettledResult<{ nextExpectedStreamVersion: bigint }>): string => {
  if (result.status === 'fulfilled') return `appended up to ${result.value.nextExpectedStreamVersion}`;
  const error: unknown = result.reason;
  if (isExpectedVersionConflictError(error)) return 'version conflict';
  return typeof error === 'object' && error !== null && 'rejection' in error
    ? (error as { rejection: { code: string } }).rejection.code
    : String(error);
};
