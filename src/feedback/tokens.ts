import { createHash, randomBytes } from 'node:crypto';

/**
 * Per-labeler bearer tokens. A token is 32 random bytes (base64url) with a `rein_`
 * prefix; only its SHA-256 is stored. A fast hash is enough here (unlike passwords):
 * with 256 bits of randomness there is nothing to guess, and a leaked database does
 * not give anyone a working token.
 */
export function newToken(): string {
  return `rein_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
