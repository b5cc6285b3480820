// Which Node.js b2b can run on, decided before anything else loads. On an older Node a
// dependency dies at import time with a TypeError stack that says nothing about the real cause,
// so this file stays plain JavaScript that any Node able to run ES modules still parses: no
// imports, no `??` or `?.`, no top-level await.

/** `"22.12.0"` or `"v22.12"` → `[22, 12, 0]`; undefined for anything that is not a version. */
export function parseVersion(text) {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(String(text).trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

/**
 * The lowest version an engines range of the form `>=22.12` allows. Any other form gives
 * undefined: the check then lets the program start rather than refuse on a rule it misreads.
 */
export function minimumVersion(range) {
  const match = /^>=\s*(v?\d+(?:\.\d+){0,2})$/.exec(String(range).trim());
  return match ? parseVersion(match[1]) : undefined;
}

export function isAtLeast(version, minimum) {
  for (let index = 0; index < 3; index++) {
    if (version[index] !== minimum[index]) return version[index] > minimum[index];
  }
  return true;
}

/**
 * The one line to print when this Node.js is older than the engines range allows (which Node is
 * needed, which one was found and where, how to get a new one), or undefined when it will do.
 */
export function nodeVersionProblem(found, engines, executable) {
  const minimum = minimumVersion(engines);
  const version = parseVersion(found);
  if (!minimum || !version || isAtLeast(version, minimum)) return undefined;
  const where = executable ? ` at ${executable}` : '';
  return (
    `b2b: needs Node.js ${String(engines).trim()}, found ${found}${where}; ` +
    'install Node.js 24 (`nvm install 24`, or https://nodejs.org/en/download) and run it again'
  );
}
