import { BlockList, isIP } from 'node:net';

/**
 * Where a partner may call the API from: the profile's `ip_allowlist` (addresses or CIDR ranges)
 * as a `node:net` BlockList. A partner without a list may call from anywhere.
 */
export interface CallerAllowlist {
  /** The entries as the profile wrote them, for logs. */
  readonly entries: readonly string[];
  allows(remoteAddress: string | undefined): boolean;
}

/** An IPv4 caller reaching a dual-stack socket shows as `::ffff:a.b.c.d`; it is matched as IPv4. */
const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

export function callerAllowlist(entries: readonly string[]): CallerAllowlist {
  const list = new BlockList();
  for (const entry of entries) {
    const problem = allowlistEntryProblem(entry);
    if (problem) throw new Error(`ip_allowlist entry "${entry}": ${problem}`);
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return {
    entries,
    allows(remoteAddress) {
      if (remoteAddress === undefined) return false;
      const mapped = IPV4_MAPPED.exec(remoteAddress);
      const address = mapped ? (mapped[1] as string) : remoteAddress;
      const version = isIP(address);
      if (version === 0) return false;
      return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Why an allowlist entry cannot be used, or undefined when it can. */
export function allowlistEntryProblem(entry: string): string | undefined {
  const parts = entry.split('/');
  if (parts.length > 2) return 'is neither an address nor a CIDR range';
  const [address, prefix] = parts as [string, string | undefined];
  const version = isIP(address);
  if (version === 0) return `"${address}" is not an IP address`;
  if (prefix === undefined) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits)
    return `the prefix length must be 0 to ${bits}`;
  return undefined;
}
