/** Findings kept whole up to this many; beyond, the first ones and a count. */
const KEPT_FINDINGS = 100;

/**
 * What an oracle found, kept as its `actual`: every finding for an ordinary step, the first
 * hundred and how many there were for a storm, so a verdict over 200,000 deliveries stays small.
 */
export class Findings<T> {
  readonly #kept: T[] = [];
  #count = 0;

  add(finding: T): void {
    this.#count += 1;
    if (this.#kept.length < KEPT_FINDINGS) this.#kept.push(finding);
  }

  get count(): number {
    return this.#count;
  }

  /** The findings as a list, or `{ first, count }` when there were more than were kept. */
  value(): T[] | { first: T[]; count: number } {
    return this.#count <= KEPT_FINDINGS ? this.#kept : { first: this.#kept, count: this.#count };
  }
}
