import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network an address belongs to for the firewall: its IPv4 /24 or IPv6 /64. Loopback and unspecified
 * addresses identify no network (a local proxy, a test) and give null.
 */
export function networkPrefix(ip: string | null | undefined): string | null {
  if (!ip) return null;
  let addr = ip.trim().replace(/^\[|\]$/g, '');
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) addr = mapped[1]!;
  if (isIPv4(addr)) {
    const [a, b, c] = addr.split('.').map(Number);
    if (a === 127 || a === 0) return null;
    return `v4:${a}.${b}.${c}.0/24`;
  }
  if (isIPv6(addr)) {
    const groups = expandIPv6(addr);
    if (groups.every((g, i) => g === 0 || (i === 7 && g === 1))) return null; // :: and ::1
    return `v6:${groups
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':')}::/64`;
  }
  return null;
}

/** Eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail becomes two groups). */
function expandIPv6(addr: string): number[] {
  let text = addr.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}
