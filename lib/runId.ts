import { randomBytes } from 'node:crypto';

/**
 * A run id sorts by time and is unique across machines: `20261123T144400Z-3f9a1c`. Every piece of
 * state a run creates (event ids, order numbers, correlation ids) carries it, so two runs against
 * one system under test never see each other's records.
 */
export function newRunId(nowMs: number = Date.now()): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
