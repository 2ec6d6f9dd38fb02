import * as E from 'fp-ts/lib/Either.js';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmmettError, upcastRecordedMessage } from '@event-driven-io/emmett';
import { decodeEvent } from 'apss-domain';
import { anyEvent, legacyEvent, malformedInput } from 'apss-domain/testing';
import { UnreadableEventError, upcastEvent, type StoredApssEvent } from '../../src/emmett/index.js';

describe('upcastEvent, for Emmett’s schema versioning', () => {
  it('property: an old schema version reads as the event it is today', () => {
    fc.assert(
      fc.property(legacyEvent(), ({ record, upcast }) => {
        expect(upcastEvent(record as StoredApssEvent)).toEqual(upcast);
      }),
    );
  });

  it('property: an event at its current version reads as itself', () => {
    fc.assert(
      fc.property(anyEvent(), (event) => {
        expect(upcastEvent(event)).toEqual(event);
      }),
    );
  });

  it('property: through Emmett’s upcastRecordedMessage, the recorded fields Emmett adds are kept beside the upcast ones', () => {
    fc.assert(
      fc.property(legacyEvent(), ({ record, upcast }) => {
        const recorded = {
          ...(record as StoredApssEvent),
          kind: 'Event' as const,
          metadata: {
            ...(record.metadata as object),
            streamName: 'partner-p1',
            messageId: 'm-1',
            streamPosition: 3n,
          },
        };
        const read = upcastRecordedMessage(recorded, { upcast: upcastEvent });
        expect(read.data).toEqual(upcast.data);
        expect(read.metadata).toEqual({
          ...upcast.metadata,
          streamName: 'partner-p1',
          messageId: 'm-1',
          streamPosition: 3n,
        });
      }),
    );
  });

  it('property: what decodeEvent refuses throws an UnreadableEventError (an EmmettError) carrying the same DecodeFailure', () => {
    fc.assert(
      fc.property(malformedInput(), (input) => {
        const decoded = decodeEvent(input);
        fc.pre(E.isLeft(decoded));
        let thrown: unknown;
        try {
          upcastEvent(input as StoredApssEvent);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(UnreadableEventError);
        expect(thrown).toBeInstanceOf(EmmettError);
        expect((thrown as UnreadableEventError).failure).toEqual(
          E.isLeft(decoded) ? decoded.left : undefined,
        );
      }),
    );
  });
});
