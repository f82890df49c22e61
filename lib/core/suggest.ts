/**
 * "Did you mean ...?" for a name that is not known: an option of the options table, a CLI flag.
 * A typo must fail (it would otherwise fall back to a default), and the message should name the fix.
 */

// Unit suffixes of option names, and what may stand in their place: `ttl`, `ttlSecs` or `ttlMs`
// is a slip for `ttlSeconds`; `leaseRenew` is not one for `leaseSeconds`.
const UNIT_SUFFIX = /(Seconds|Bytes|Ms)$/;
const OTHER_UNIT = /^(s|secs?|seconds?|ms|millis(econds)?|mins?|minutes?|bytes?|kb|mb|kib|mib|size|len|length)?$/;

/**
 * The known name `name` was most likely meant to be, or `undefined` when none is close. Tried in
 * order: the same name in another letter case (`TTLSeconds`), the same stem with another unit or
 * none (`ttl`, `ttlSecs`, `leaseMs`), the one known name it begins (`eventArg`), then the nearest
 * within two edits (`cacheReslt`).
 *
 * @example
 * ```ts
 * suggestName('ttl', ['ttlSeconds', 'leaseSeconds']); // 'ttlSeconds'
 * suggestName('prefx', ['prefix', 'json']); // 'prefix'
 * suggestName('colour', ['prefix']); // undefined
 * ```
 */
export function suggestName(name: string, known: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  return (
    known.find((k) => k.toLowerCase() === wanted) ??
    sameStem(wanted, known) ??
    onlyOne(known.filter((k) => wanted.length >= 3 && k.toLowerCase().startsWith(wanted))) ??
    nearest(wanted, known)
  );
}

/** The known name whose stem (the name without its unit) `wanted` is, with another unit or none. */
function sameStem(wanted: string, known: readonly string[]): string | undefined {
  return onlyOne(
    known.filter((k) => {
      const stem = k.replace(UNIT_SUFFIX, '').toLowerCase();
      return stem.length < k.length && stem.length >= 3 && wanted.startsWith(stem) && OTHER_UNIT.test(wanted.slice(stem.length));
    }),
  );
}

function onlyOne(names: readonly string[]): string | undefined {
  return names.length === 1 ? names[0] : undefined;
}

/** The known name within two edits of `wanted` (letter case ignored), the closest first. */
function nearest(wanted: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
