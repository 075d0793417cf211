import { createHash } from 'node:crypto';

/**
 * HTTP Digest access authentication (RFC 7616) as Atlas API keys use it:
 * algorithm MD5, qop `auth`.
 */

/** One `Digest` challenge from a `WWW-Authenticate` header. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
}

interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Splits a `WWW-Authenticate` value into challenges. A server may send
 * several (one per scheme or algorithm), and `fetch` joins repeated headers
 * with ", ", so a parameter and the next scheme are told apart by the `=`.
 */
function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < header.length && chars.test(header[i])) i++;
  };
  const token = () => {
    const start = i;
    while (i < header.length && TOKEN_CHAR.test(header[i])) i++;
    return header.slice(start, i);
  };
  const quoted = () => {
    let value = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\') i++;
      value += header[i] ?? '';
      i++;
    }
    i++; // closing quote
    return value;
  };
  while (i < header.length) {
    skip(/[\s,]/);
    const name = token();
    if (!name) {
      i++;
      continue;
    }
    skip(/\s/);
    if (header[i] === '=' && challenges.length > 0) {
      i++;
      skip(/\s/);
      const value = header[i] === '"' ? quoted() : token();
      challenges[challenges.length - 1].params[name.toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return challenges;
}

/**
 * The MD5 `Digest` challenge offering qop `auth` in a `WWW-Authenticate`
 * header; throws when the server only offers something else.
 */
export function parseDigestChallenge(header: string): DigestChallenge {
  const digest = parseChallenges(header).filter(c => c.scheme === 'digest');
  const usable = digest.find(
    c =>
      (c.params.algorithm ?? 'MD5').toUpperCase() === 'MD5' &&
      (c.params.qop ?? '')
        .split(',')
        .map(q => q.trim().toLowerCase())
        .includes('auth') &&
      c.params.nonce !== undefined,
  );
  if (!usable) {
    throw new Error(
      `The server did not offer HTTP Digest with algorithm MD5 and qop "auth" (WWW-Authenticate: ${header})`,
    );
  }
  return {
    realm: usable.params.realm ?? '',
    nonce: usable.params.nonce,
    opaque: usable.params.opaque,
  };
}

const md5 = (text: string) =>
  createHash('md5').update(text, 'utf8').digest('hex');

const quote = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`;

export interface DigestRequest {
  username: string;
  password: string;
  method: string;
  /** The request target: path and query, e.g. `/api/atlas/v2/groups/x?pretty=true`. */
  uri: string;
  challenge: DigestChallenge;
  /** Nonce count: how many requests this nonce has signed, from 1. */
  nc: number;
  /** The client nonce. */
  cnonce: string;
}

/** The `Authorization` header answering a Digest challenge (RFC 7616 section 3.4, MD5, qop=auth). */
export function digestAuthorization(request: DigestRequest): string {
  const { username, password, method, uri, challenge, cnonce } = request;
  const nc = request.nc.toString(16).padStart(8, '0');
  const ha1 = md5(`${username}:${challenge.realm}:${password}`);
  const ha2 = md5(`${method.toUpperCase()}:${uri}`);
  const response = md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const params = [
    `username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(uri)}`,
    'algorithm=MD5',
    `nonce=${quote(challenge.nonce)}`,
    `nc=${nc}`,
    `cnonce=${quote(cnonce)}`,
    'qop=auth',
    `response=${quote(response)}`,
    ...(challenge.opaque !== undefined
      ? [`opaque=${quote(challenge.opaque)}`]
      : []),
  ];
  return `Digest ${params.join(', ')}`;
}
