import { fold, type PartnerState } from 'apss-domain';
import { encodeSnapshot } from '../../src/state/snapshot.js';
import { createTenant, history, purchase, usage } from '../builders.js';

/** A state's JSON snapshot as text: reading it reads every record and usage id of the state. */
export const snapshotText = (state: PartnerState): string => JSON.stringify(encodeSnapshot(state));

/** A partner with a shared tenant, two subscriptions and two usage records on the first. */
export const scriptedState = fold(
  history([
    createTenant('t1', 's1', { at: '2018-06-01T00:00:00Z' }),
    purchase('s2'),
    usage('s1', '2018-06-02', 'u1'),
    usage('s1', '2018-06-03', 'u2'),
  ]),
);
