// Types for requiredNode.js, which stays plain JavaScript so an old Node can run it.

export type Version = [major: number, minor: number, patch: number];

export function parseVersion(text: string): Version | undefined;
export function minimumVersion(range: string): Version | undefined;
export function isAtLeast(version: Version, minimum: Version): boolean;
export function nodeVersionProblem(
  found: string,
  engines: string,
  executable?: string,
): string | undefined;
