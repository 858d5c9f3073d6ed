import { BlockList, isIP } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Whether a host name stays on this machine: `localhost`, 127.0.0.0/8 or
 * ::1 (also written as an IPv4-mapped IPv6 address). Other names, even
 * `*.localhost`, may resolve elsewhere through DNS, so they do not count.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
  if (host === 'localhost') return true;
  const family = isIP(host);
  // BlockList matches IPv4-mapped IPv6 addresses against the IPv4 rules.
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}

/** Whether a URL points at this machine; false for anything unparseable. */
export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}
