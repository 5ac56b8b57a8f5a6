/** IPv4 CIDR arithmetic for the policy's network checks (no dependency: the checks need only these three). */

/** An IPv4 block as an inclusive range of 32-bit addresses. */
export interface Block {
  cidr: string;
  first: number;
  last: number;
}

/** Parses `a.b.c.d/n`; returns undefined for anything else (the schema reports the format problem). */
export function parseCidr(cidr: unknown): Block | undefined {
  if (typeof cidr !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  // Host bits set (10.0.0.1/16) are tolerated: the block is the network that contains the address.
  const first = addr - (addr % size);
  return { cidr, first, last: first + size - 1 };
}

/** True when the two blocks share at least one address. */
export function overlaps(a: Block, b: Block): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** True when `inner` lies entirely inside `outer`. */
export function contains(outer: Block, inner: Block): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}
