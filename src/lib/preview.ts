/**
 * A received value shown briefly in a message, the way JSON would show it. The value is walked with
 * a budget (of characters written and of properties looked at) instead of being serialised whole: a
 * message about a billion-element array must cost what one about `[]` does. Only own data properties
 * are read, so no getter of the caller's runs; a Proxy whose traps throw is shown as such.
 */

const MAX_CHARS = 48;
/** Properties looked at, shown or not (an object of a million undefined fields shows nothing for each). */
const MAX_VISITS = 200;
/** Beyond this a bigint is not printed: turning a huge one into decimal digits takes seconds. */
const PRINTABLE_BIGINT = 10n ** 40n;

/** The text so far, what is left of the budget, and whether something was left out for the lack of it. */
type Writer = { text: string; visits: number; cut: boolean };
const full = (w: Writer): boolean => {
  if (w.text.length > MAX_CHARS || w.visits <= 0) w.cut = true;
  return w.cut;
};

const sizeGetter = (prototype: object): ((this: unknown) => number) =>
  Object.getOwnPropertyDescriptor(prototype, 'size')?.get as (this: unknown) => number;
const mapSize = sizeGetter(Map.prototype);
const setSize = sizeGetter(Set.prototype);

/**
 * What a built-in's own method answers for a value, or undefined when the value is not really one:
 * an object that only inherits from Map.prototype has none of a Map's internals.
 */
function ifBranded<A>(o: object, method: (this: unknown) => A): A | undefined {
  try {
    return method.call(o);
  } catch {
    return undefined;
  }
}

/** A string as JSON quotes it: only as much of it as can be shown is quoted (quoting a long one whole copies it whole). */
const quoted = (s: string, w: Writer): string => JSON.stringify(s.slice(0, MAX_CHARS + 1 - w.text.length));

/** An own data property's value; undefined (left out) for a getter, which is the caller's code. */
function dataValue(o: object, key: string | number): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(o, key);
  return descriptor !== undefined && 'value' in descriptor ? descriptor.value : undefined;
}

/** Whether JSON leaves a property with this value out of an object. */
const omitted = (u: unknown): boolean => u === undefined || typeof u === 'function' || typeof u === 'symbol';

function write(w: Writer, u: unknown, top: boolean): void {
  w.visits -= 1;
  if (full(w)) return;
  switch (typeof u) {
    case 'string':
      w.text += quoted(u, w);
      return;
    case 'number':
      w.text += Number.isFinite(u) || top ? String(u) : 'null';
      return;
    case 'boolean':
      w.text += String(u);
      return;
    case 'bigint':
      w.text += u < PRINTABLE_BIGINT && u > -PRINTABLE_BIGINT ? `${u}n` : 'a bigint of more than 40 digits';
      return;
    case 'symbol':
      w.text += top ? `a symbol ${quoted(u.description ?? '', w)}` : 'null';
      return;
    case 'function':
      w.text += top ? 'a function' : 'null';
      return;
    case 'undefined':
      w.text += top ? 'nothing' : 'null';
      return;
    default:
      if (u === null) w.text += 'null';
      else writeObject(w, u as object);
  }
}

function writeObject(w: Writer, o: object): void {
  if (Array.isArray(o)) {
    w.text += '[';
    for (let i = 0; i < o.length && !full(w); i++) {
      if (i > 0) w.text += ',';
      write(w, dataValue(o, i), false);
    }
    w.text += ']';
    return;
  }
  if (ArrayBuffer.isView(o)) {
    w.text += `a ${Object.prototype.toString.call(o).slice(8, -1)} of ${o.byteLength} bytes`;
    return;
  }
  const size =
    o instanceof Map ? ifBranded(o, mapSize) : o instanceof Set ? ifBranded(o, setSize) : undefined;
  if (size !== undefined) {
    w.text += `a ${o instanceof Map ? 'Map' : 'Set'} of ${size}`;
    return;
  }
  // A String object has an own property per character: its keys are not listed.
  const boxed = o instanceof String ? ifBranded(o, String.prototype.toString) : undefined;
  if (boxed !== undefined) {
    w.text += quoted(boxed, w);
    return;
  }
  w.text += '{';
  let first = true;
  for (const key of Object.keys(o)) {
    if (full(w)) break;
    const value = dataValue(o, key);
    w.visits -= 1;
    if (omitted(value)) continue;
    w.text += `${first ? '' : ','}${quoted(key, w)}:`;
    first = false;
    write(w, value, false);
  }
  w.text += '}';
}

/** Shows a received value in a message, briefly (at most 48 characters); never throws. */
export function preview(u: unknown): string {
  const w: Writer = { text: '', visits: MAX_VISITS, cut: false };
  try {
    write(w, u, true);
  } catch {
    // Only a Proxy's trap (or a host object like it) gets here: nothing of it is shown.
    return 'a value that cannot be shown';
  }
  return w.text.length > MAX_CHARS || w.cut ? `${w.text.slice(0, MAX_CHARS - 3)}...` : w.text;
}
