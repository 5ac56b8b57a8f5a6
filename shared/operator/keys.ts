/**
 * The operators' HMAC keys, from the environment variable the policy names (`secrets.operatorHmacKeysEnv`).
 * One entry per key, separated by commas or new lines: `<keyId>:<owner>:<secret>:<verbs>`, where `<verbs>` is
 * `*` or verbs joined by `+` (status, failback, shift, pause, resume). The owner is who the audit records and
 * the messages name: never a field the client sends. A key grants only the verbs it lists (403 otherwise).
 *
 * @example
 * FLEET_DR_OPERATOR_KEYS='sre-alice-1:alice:4f1c…(32+ chars):*,oncall-ro:oncall-bot:9ab2…:status'
 */
import { ConfigError } from '../errors';
import { KEY_ID_PATTERN } from './signing';

/** What a key may be used for: one verb per endpoint of the operator function. */
export const OPERATOR_VERBS = ['status', 'failback', 'shift', 'pause', 'resume'] as const;

/** One verb of the operator API. */
export type OperatorVerb = (typeof OPERATOR_VERBS)[number];

/** One operator key. */
export interface OperatorKey {
  id: string;
  /** Who is acting: recorded as `by` in the routing state, the audit event and the message. */
  owner: string;
  secret: string;
  verbs: ReadonlySet<OperatorVerb>;
}

/** Keys by id. */
export type OperatorKeyring = ReadonlyMap<string, OperatorKey>;

/** A secret shorter than this is refused: HMAC is only as strong as its key. */
export const MIN_SECRET_LENGTH = 32;

const OWNER = /^[A-Za-z0-9._@-]{1,64}$/;
const isVerb = (v: string): v is OperatorVerb => (OPERATOR_VERBS as readonly string[]).includes(v);

/**
 * Parses the keys in `value` (the variable's content). Throws ConfigError naming the variable and the entry
 * (by position and key id), never the secret, when an entry is malformed.
 */
export function parseOperatorKeys(value: string, envName: string): OperatorKeyring {
  const keys = new Map<string, OperatorKey>();
  const entries = value
    .split(/[,\n]/)
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const where = `${envName} entry ${i + 1}`;
    const parts = entry.split(':');
    if (parts.length !== 4) {
      problems.push(`${where}: expected <keyId>:<owner>:<secret>:<verbs> (4 fields), got ${parts.length}`);
      return;
    }
    const [id = '', owner = '', secret = '', verbList = ''] = parts;
    const named = `${where} (${KEY_ID_PATTERN.test(id) ? id : 'bad id'})`;
    if (!KEY_ID_PATTERN.test(id)) problems.push(`${where}: the key id must be 1-64 of [A-Za-z0-9._-]`);
    if (!OWNER.test(owner)) problems.push(`${named}: the owner must be 1-64 of [A-Za-z0-9._@-]`);
    if (secret.length < MIN_SECRET_LENGTH)
      problems.push(`${named}: the secret is shorter than ${MIN_SECRET_LENGTH} characters`);
    const names = verbList === '*' ? [...OPERATOR_VERBS] : verbList.split('+');
    const bad = names.filter((v) => !isVerb(v));
    if (bad.length > 0 || names.length === 0)
      problems.push(
        `${named}: unknown verb(s) ${bad.map((b) => JSON.stringify(b)).join(', ')}; use * or ${OPERATOR_VERBS.join('+')}`,
      );
    if (keys.has(id)) problems.push(`${named}: the key id is listed twice`);
    keys.set(id, { id, owner, secret, verbs: new Set(names.filter(isVerb)) });
  });
  if (problems.length > 0)
    throw new ConfigError(`${envName}: ${problems.length} malformed operator key(s)`, problems);
  return keys;
}

/**
 * The keyring from the environment: ConfigError when the variable is unset or holds no key, so a function
 * without keys refuses every request instead of accepting unsigned ones.
 */
export function operatorKeysFromEnv(env: NodeJS.ProcessEnv, envName: string): OperatorKeyring {
  const value = env[envName];
  if (!value?.trim()) throw new ConfigError(`environment variable ${envName} (operator keys) is not set`);
  const keys = parseOperatorKeys(value, envName);
  if (keys.size === 0) throw new ConfigError(`${envName}: no operator key`);
  return keys;
}

/** The client side: `<keyId>:<secret>` (FLEET_DR_OPERATOR_KEY, or a key file). */
export interface ClientKey {
  id: string;
  secret: string;
}

/** Parses the CLI's own key, `<keyId>:<secret>`; throws ConfigError naming `source`, never the secret. */
export function parseClientKey(value: string, source: string): ClientKey {
  const text = value.trim();
  const at = text.indexOf(':');
  const id = at > 0 ? text.slice(0, at) : '';
  const secret = at > 0 ? text.slice(at + 1) : '';
  if (!KEY_ID_PATTERN.test(id) || secret.length < MIN_SECRET_LENGTH || secret.includes(':'))
    throw new ConfigError(
      `${source}: expected <keyId>:<secret> with a key id of [A-Za-z0-9._-] and a secret of ${MIN_SECRET_LENGTH}+ characters`,
    );
  return { id, secret };
}
