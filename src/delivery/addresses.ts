import { isIP } from 'node:net';

/**
 * Which IP addresses count as public. Everything the bridge could reach only from its own network position
 * (loopback, link-local, private, CGNAT, ULA, multicast, reserved…) is named here, so a refusal can say
 * what the address is. IPv4 written inside IPv6 (`::ffff:127.0.0.1`, NAT64 `64:ff9b::/96`) is judged by
 * the IPv4 address it carries.
 */
const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified ("this network")'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved (IETF protocol assignments)'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved (6to4 relay)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

/** Inside 2000::/3 (global unicast), the blocks that are not reachable public hosts. */
const V6_RANGES: [string, number, string][] = [
  ['2001::', 23, 'reserved (IETF protocol assignments, Teredo)'],
  ['2001:db8::', 32, 'documentation'],
  ['2002::', 16, 'reserved (6to4)'],
  ['3fff::', 20, 'documentation'],
];

/** Named IPv6 blocks outside 2000::/3, for clearer messages (anything else there is "reserved"). */
const V6_OUTSIDE_GLOBAL: [string, number, string][] = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  ['64:ff9b:1::', 48, 'private (local-use NAT64)'],
  ['fc00::', 7, 'unique-local (private)'],
  ['fe80::', 10, 'link-local'],
  ['fec0::', 10, 'site-local (private)'],
  ['ff00::', 8, 'multicast'],
];

function v4ToBigInt(text: string): bigint {
  return text.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded dotted IPv4 tail is allowed). */
function v6ToBigInt(text: string): bigint {
  let body = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted?.[1]) {
    const v4 = Number(v4ToBigInt(dotted[1]));
    tail.push(v4 >>> 16, v4 & 0xffff);
    body = body.slice(0, -dotted[1].length) || ':';
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const [head = '', rest] = body.split('::');
  const left = parse(head);
  const right = [...parse(rest ?? ''), ...tail];
  const fill = rest === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...fill, ...right].reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

function inRange(value: bigint, base: bigint, bits: number, width: number): boolean {
  const shift = BigInt(width - bits);
  return value >> shift === base >> shift;
}

const compiled = (ranges: [string, number, string][], toBigInt: (s: string) => bigint) =>
  ranges.map(([base, bits, name]) => ({ base: toBigInt(base), bits, name }));
const V4 = compiled(V4_RANGES, v4ToBigInt);
const V6 = compiled(V6_RANGES, v6ToBigInt);
const V6_OUTSIDE = compiled(V6_OUTSIDE_GLOBAL, v6ToBigInt);
const MAPPED = v6ToBigInt('::ffff:0:0');
const NAT64 = v6ToBigInt('64:ff9b::');
const GLOBAL_UNICAST = v6ToBigInt('2000::');

function classifyV4(value: bigint): string | undefined {
  return V4.find((r) => inRange(value, r.base, r.bits, 32))?.name;
}

/**
 * What kind of non-public address `ip` is ("loopback", "private", "link-local"…), or undefined when it is a
 * public unicast address. Accepts an address with or without IPv6 brackets or a zone (`fe80::1%eth0`);
 * anything that is not an IP address is "not an IP address".
 */
export function nonPublicKind(ip: string): string | undefined {
  const bare = ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return classifyV4(v4ToBigInt(bare));
  if (family !== 6) return 'not an IP address';
  const value = v6ToBigInt(bare);
  if (inRange(value, MAPPED, 96, 128) || inRange(value, NAT64, 96, 128)) return classifyV4(value & 0xffffffffn);
  if (!inRange(value, GLOBAL_UNICAST, 3, 128)) {
    return V6_OUTSIDE.find((r) => inRange(value, r.base, r.bits, 128))?.name ?? 'reserved';
  }
  return V6.find((r) => inRange(value, r.base, r.bits, 128))?.name;
}

/** An IP literal as URL hosts carry it (IPv6 in brackets) without the brackets; undefined for a DNS name. */
export function ipLiteral(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1');
  return isIP(bare) ? bare : undefined;
}
