/**
 * Errors a user can act on. Each says what was wrong and where; the CLI maps them to exit codes
 * (2 for bad usage or configuration).
 */

/** Bad command-line usage: unknown option value, missing argument, nothing selected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A run that could not be carried out: the system under test does not answer, the bundled
 * pipeline would not start. Not a usage mistake (exit 1, not 2), and not worth a stack trace.
 */
export class RunError extends Error {
  override readonly name = 'RunError';
}

/** A problem found at a place in a file: which file, where in it, and why. */
export interface DataFileProblem {
  file: string;
  /** JSON-pointer-like path inside the document, e.g. `/webhook/window_s`. */
  path: string;
  /** 1-based line in the file, when known. */
  line?: number;
  reason: string;
}

/** A configuration or data file that cannot be used (partner profile, scenario, secret). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: DataFileProblem[];

  constructor(problems: DataFileProblem[] | string) {
    const list = typeof problems === 'string' ? [] : problems;
    super(typeof problems === 'string' ? problems : list.map(formatProblem).join('\n'));
    this.problems = list;
  }
}

export function formatProblem(problem: DataFileProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return problem.path
    ? `${where}: ${problem.path}: ${problem.reason}`
    : `${where}: ${problem.reason}`;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
