/** The CLI's exit codes, the same for every command. */
export const EXIT = {
  ok: 0,
  /** A scenario, an oracle or a verification failed. */
  failed: 1,
  /** Bad usage or configuration: nothing was run. */
  usage: 2,
} as const;
