/** Formats a field path the way every policy problem names it: `clusters[1].probes[0].url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_][\w.-]*$/.test(key) && !key.includes('.'))
      out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

/** One `path: message` problem line. */
export function problem(path: ReadonlyArray<PropertyKey>, message: string): string {
  return `${formatPath(path)}: ${message}`;
}
