import { preview } from './preview.js';

/**
 * What a thrown value says, in one short text: an Error's message, anything else previewed. Never
 * throws: an Error-like Proxy or a message getter that throws is previewed as the value it is.
 */
export function reasonOf(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.message === 'string') return error.message;
  } catch {
    // Fall through to the value itself.
  }
  return preview(error);
}
