import { describe, expect, it } from 'vitest';
import { ipLiteral, nonPublicKind } from '../../src/delivery/addresses.js';

describe('nonPublicKind', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:192.168.1.1', 'private'],
    ['fc00::1', 'unique-local (private)'],
    ['fd12:3456::1', 'unique-local (private)'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['2002:7f00:1::1', 'reserved (6to4)'],
    ['::7f00:1', 'reserved'],
    ['not-an-ip', 'not an IP address'],
  ];
  for (const [address, kind] of refused) {
    it(`${address} is ${kind}`, () => expect(nonPublicKind(address)).toBe(kind));
  }

  it('public unicast addresses pass, including IPv4 carried in IPv6', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '100.128.0.1',
      '172.32.0.1',
      '192.169.0.1',
      '2606:4700:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ]) {
      expect(nonPublicKind(address), address).toBeUndefined();
    }
  });

  it('finds IP literals in URL host names, whatever spelling the URL was given in', () => {
    for (const spelling of ['2130706433', '0177.0.0.1', '0x7f.1', '127.1', '0x7f000001']) {
      const host = new URL(`http://${spelling}/`).hostname;
      expect(ipLiteral(host)).toBe('127.0.0.1');
    }
    expect(ipLiteral(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
    expect(ipLiteral('hooks.example.com')).toBeUndefined();
  });
});
