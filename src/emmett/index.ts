// apss-domain/emmett: the rules for Emmett users (@event-driven-io/emmett, an optional peer dependency).
export { emmettDecider, type EmmettDecider } from './decider.js';
export { type EmmettCommand, type EmmettCommandOf, type EmmettCommandMetadata } from './commands.js';
export { RejectionError, UnreadableEventError } from './errors.js';
export { upcastEvent, type StoredApssEvent } from './upcast.js';
