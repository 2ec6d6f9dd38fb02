/**
 * One copy of each short text that states keep many times over: days, SKUs, regions, offers,
 * publishers, subscription names. A decoded event's strings are its own, fresh from JSON.parse; a
 * record that keeps the shared copy instead keeps nothing new alive. Bounded, as a cache is: past the
 * limit, a text is kept as it comes.
 */
const texts = new Map<string, string>();
const MAX_TEXTS = 1 << 16;
const MAX_LENGTH = 64;

/** The shared copy of a text equal to this one (fold takes what it is given: anything else as it is). */
export function shared<T>(text: T): T {
  if (typeof text !== 'string') return text;
  const known = texts.get(text) as T | undefined;
  if (known !== undefined) return known;
  if (texts.size < MAX_TEXTS && text.length <= MAX_LENGTH) texts.set(text, text);
  return text;
}
