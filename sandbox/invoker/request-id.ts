import { randomBytes } from 'node:crypto';

/** A request id in FC 3.0's form `1-<hex seconds>-<24 hex>`, e.g. `1-64f6cd87-f0d6c3d8a9a0d8d0b7f8c0e4`. */
export const newRequestId = (now = Date.now()): string =>
  `1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
