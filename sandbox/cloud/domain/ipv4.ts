import { randomInt } from 'node:crypto';
import { templateError } from './errors';

interface Cidr {
  base: number;
  prefix: number;
}

const toNumber = (address: string): number => {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet) || octet < 0 || octet > 255)) {
    throw templateError(`${address} is not an IPv4 address`);
  }
  return octets.reduce((sum, octet) => sum * 256 + octet, 0);
};

export const toAddress = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

export const parseCidr = (block: string): Cidr => {
  const [address, prefixText] = block.split('/');
  const prefix = Number(prefixText);
  if (address === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw templateError(`${block} is not a CIDR block`);
  }
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(toNumber(address) / size) * size, prefix };
};

/** Fn::Cidr: `count` consecutive blocks with `hostBits` host bits each, carved from the start of `block`. */
export const cidrSubnets = (block: string, count: number, hostBits: number): string[] => {
  const { base, prefix } = parseCidr(block);
  const subnetPrefix = 32 - hostBits;
  if (!Number.isInteger(count) || count < 1 || subnetPrefix < prefix || count > 2 ** (subnetPrefix - prefix)) {
    throw templateError(`Fn::Cidr cannot carve ${count} /${subnetPrefix} blocks from ${block}`);
  }
  return Array.from({ length: count }, (_, index) => `${toAddress(base + index * 2 ** hostBits)}/${subnetPrefix}`);
};

/**
 * A free host address in the block, or undefined when every one is taken. AWS reserves the first four addresses and
 * the last one of every subnet, so those are never handed out.
 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 */
export const allocateAddress = (block: string, taken: ReadonlySet<string>): string | undefined => {
  const { base, prefix } = parseCidr(block);
  const size = 2 ** (32 - prefix);
  const usable = size - 5;
  if (usable < 1) throw templateError(`${block} has no room for instances`);
  for (let attempt = 0; attempt < 64; attempt += 1) {
    const candidate = toAddress(base + 4 + randomInt(usable));
    if (!taken.has(candidate)) return candidate;
  }
  for (let offset = 4; offset < size - 1; offset += 1) {
    const candidate = toAddress(base + offset);
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
};

/** Public addresses from 3.80.0.0/12, a range EC2 really hands out in us-east-1. */
export const randomPublicAddress = (): string => toAddress(toNumber('3.80.0.0') + randomInt(2 ** 20));
