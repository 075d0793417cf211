import { randomBytes } from 'node:crypto';
import {
  digestAuthorization,
  parseDigestChallenge,
  DigestChallenge,
} from './digest';

/** The OAuth 2.0 token endpoint of Atlas service accounts (the spec's `ServiceAccounts` security scheme). */
export const ATLAS_TOKEN_URL = 'https://cloud.mongodb.com/api/oauth/token';

/**
 * How the portal authenticates to Atlas: a service account (preferred by
 * MongoDB) or a legacy programmatic API key (HTTP Digest).
 */
export type AtlasCredentials =
  | {
      type: 'serviceAccount';
      clientId: string;
      clientSecret: string;
      /** Defaults to {@link ATLAS_TOKEN_URL}. */
      tokenUrl?: string;
    }
  | { type: 'apiKey'; publicKey: string; privateKey: string };

/** Sends one HTTP request with retries; supplied by the client so token requests are retried too. */
export type SendRequest = (
  operationId: string,
  url: string,
  init: RequestInit,
) => Promise<Response>;

/** Produces the `Authorization` header of each request and reacts to a 401. */
export interface AtlasAuthenticator {
  /** The header for one request, or undefined to send none yet (Digest before its first challenge). */
  authorization(method: string, uri: string): Promise<string | undefined>;
  /** Given a 401, prepares fresh credentials; true when the request is worth sending once more. */
  renew(unauthorized: Response): Promise<boolean>;
}

/** Seconds before a token's expiry at which it is replaced, so no request carries a token expiring in flight. */
const TOKEN_EXPIRY_MARGIN_SECONDS = 60;

/**
 * Service account: exchanges the client id and secret for a Bearer token
 * (OAuth 2.0 client credentials, the secret in HTTP Basic auth) and reuses
 * it until shortly before it expires (Atlas tokens last an hour).
 */
class ServiceAccountAuthenticator implements AtlasAuthenticator {
  private token?: { value: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly credentials: Extract<
      AtlasCredentials,
      { type: 'serviceAccount' }
    >,
    private readonly send: SendRequest,
    private readonly now: () => number,
  ) {}

  async authorization(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) {
      return `Bearer ${this.token.value}`;
    }
    // Concurrent requests share one token request.
    this.pending ??= this.requestToken().finally(() => {
      this.pending = undefined;
    });
    return `Bearer ${await this.pending}`;
  }

  async renew(): Promise<boolean> {
    // A revoked or rotated token: forget it and fetch a new one once.
    this.token = undefined;
    return true;
  }

  private async requestToken(): Promise<string> {
    const { clientId, clientSecret } = this.credentials;
    const basic = Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString(
      'base64',
    );
    const response = await this.send(
      'serviceAccountToken',
      this.credentials.tokenUrl ?? ATLAS_TOKEN_URL,
      {
        method: 'POST',
        headers: {
          Authorization: `Basic ${basic}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      },
    );
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok || typeof body?.access_token !== 'string') {
      // OAuth errors come as { error, error_description }; never echo the request.
      const reason =
        body?.error_description ??
        body?.error ??
        body?.detail ??
        'no token in the response';
      throw new Error(
        `Atlas service account ${clientId}: the token request to ${
          this.credentials.tokenUrl ?? ATLAS_TOKEN_URL
        } failed with HTTP ${response.status}: ${reason}`,
      );
    }
    const lifetime = Number(body.expires_in) || 3600;
    this.token = {
      value: body.access_token,
      expiresAt:
        this.now() + Math.max(0, lifetime - TOKEN_EXPIRY_MARGIN_SECONDS) * 1000,
    };
    return body.access_token;
  }
}

function parseJson(text: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * API key: HTTP Digest. The first request goes without credentials and
 * learns the nonce from the 401; later requests reuse the nonce with an
 * increasing count until the server asks for a new one.
 */
class DigestAuthenticator implements AtlasAuthenticator {
  private challenge?: DigestChallenge;
  private nonceCount = 0;

  constructor(
    private readonly credentials: Extract<AtlasCredentials, { type: 'apiKey' }>,
  ) {}

  async authorization(method: string, uri: string) {
    if (!this.challenge) return undefined;
    this.nonceCount += 1;
    return digestAuthorization({
      username: this.credentials.publicKey,
      password: this.credentials.privateKey,
      method,
      uri,
      challenge: this.challenge,
      nc: this.nonceCount,
      cnonce: randomBytes(16).toString('hex'),
    });
  }

  async renew(unauthorized: Response): Promise<boolean> {
    const header = unauthorized.headers.get('www-authenticate');
    if (!header) return false;
    // A first challenge, or a new nonce after the old one expired (not every
    // server flags `stale`); the client tries once more per request, so wrong
    // keys still fail after one extra round trip.
    this.challenge = parseDigestChallenge(header);
    this.nonceCount = 0;
    return true;
  }
}

export function createAuthenticator(
  credentials: AtlasCredentials,
  send: SendRequest,
  now: () => number,
): AtlasAuthenticator {
  return credentials.type === 'serviceAccount'
    ? new ServiceAccountAuthenticator(credentials, send, now)
    : new DigestAuthenticator(credentials);
}
