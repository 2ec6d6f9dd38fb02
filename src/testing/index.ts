// apss-domain/testing: fast-check arbitraries, invariants and readable counterexamples.
export { validHistory, commandSequence } from './scenario.js';
export { anyCommand, anyEvent, commandOf, eventOf, legacyEvent } from './messages.js';
export { anyJson, corrupted, malformedInput, hostileStrings, type Corruption } from './malformed.js';
export { invariants, invariantsFor, brokenInvariants, type Invariant } from './invariants.js';
export { assertProperty, describeFailure, formatMessage, formatLog, CounterexampleError } from './report.js';
export { writeInstant, unusualIds } from './values.js';
export { MessageOptions, SequenceOptions, type DecideFunction } from './options.js';
export { given, GivenOptions, type Given, type Then } from './spec.js';
