// How user text appears inside a message: quoted, clipped, and never a key typed in the wrong place.
// Every app echoes values through here, so a 1 MB value comes back as 64 characters, not 1 MB.

/** The longest run of user text a message repeats. */
export const MAX_SHOWN = 64;

/**
 * `text` as a message shows it: quoted, cut to `max` characters with "… (N characters)" after it; a
 * run of 16 or more hex digits alone (a decoder or vending key in the wrong place) only by its length.
 */
export function shown(text: string, max: number = MAX_SHOWN): string {
  if (/^[0-9a-fA-F]{16,}$/.test(text)) return `${text.length} hex digits (not shown: it may be a key)`;
  if (text.length <= max) return `'${text}'`;
  return `'${text.slice(0, max)}…' (${text.length} characters)`;
}
