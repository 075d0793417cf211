import crypto from 'node:crypto';
import { InputError } from '@backstage/errors';
import forge from 'node-forge';

/** A TLS certificate (PEM, leaf first) and its private key (PEM). */
export interface TlsCertificate {
  certificate: string;
  privateKey: string;
}

/**
 * The organization of every certificate the portal signs itself: how it
 * tells its own self-signed certificates (which it may replace) from a
 * certificate someone provided (which it never touches).
 */
export const SELF_SIGNED_ORGANIZATION = 'BPA portal (self-signed)';

const SELF_SIGNED_VALID_DAYS = 365;
/** A kept self-signed certificate must still be valid this long. */
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SelfSignedOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  validDays?: number;
  now?: Date;
}

/**
 * A self-signed certificate for a server. Node's crypto cannot issue X.509
 * certificates: the key pair comes from Node (fast, native), node-forge
 * (a dependency of every Backstage backend) signs the certificate.
 */
export function generateSelfSignedCertificate(
  options: SelfSignedOptions,
): TlsCertificate {
  const now = options.now ?? new Date();
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  const privateKeyPem = privateKey
    .export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const key = forge.pki.privateKeyFromPem(privateKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive, random, 16 bytes: unique without a CA keeping count.
  cert.serialNumber = `01${crypto.randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now.getTime() - 60 * 1000);
  cert.validity.notAfter = new Date(
    now.getTime() + (options.validDays ?? SELF_SIGNED_VALID_DAYS) * DAY_MS,
  );
  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: SELF_SIGNED_ORGANIZATION },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const altNames = [
    ...(options.dnsNames ?? []).map(value => ({ type: 2, value })),
    ...(options.ipAddresses ?? []).map(ip => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(key, forge.md.sha256.create());
  return {
    certificate: forge.pki.certificateToPem(cert),
    privateKey: privateKeyPem,
  };
}

function leafOf(pem: string): crypto.X509Certificate {
  return new crypto.X509Certificate(pem);
}

/** Whether a certificate is one the portal signed itself. */
export function isPortalSelfSigned(certificatePem: string): boolean {
  try {
    const leaf = leafOf(certificatePem);
    return (
      leaf.subject === leaf.issuer &&
      leaf.subject.split('\n').includes(`O=${SELF_SIGNED_ORGANIZATION}`)
    );
  } catch {
    return false;
  }
}

/** What the logs and outputs may say about a certificate: nothing secret. */
export interface CertificateFacts {
  subject: string;
  notAfter: string;
  sha256Fingerprint: string;
}

export function certificateFacts(certificatePem: string): CertificateFacts {
  const leaf = leafOf(certificatePem);
  return {
    subject: leaf.subject.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo).toISOString(),
    sha256Fingerprint: leaf.fingerprint256,
  };
}

/**
 * Checks a certificate the user provided: PEM that parses, a key that
 * matches it, not expired; returns warnings for what works but is odd.
 */
export function checkProvidedCertificate(
  given: TlsCertificate,
  options: { hostname?: string; now?: Date } = {},
): string[] {
  let leaf: crypto.X509Certificate;
  let key: crypto.KeyObject;
  try {
    leaf = leafOf(given.certificate);
  } catch (error) {
    throw new InputError(
      `The ingress certificate is not a PEM X.509 certificate: ${
        (error as Error).message
      }`,
    );
  }
  try {
    key = crypto.createPrivateKey(given.privateKey);
  } catch (error) {
    throw new InputError(
      `The ingress certificate's private key is not an unencrypted PEM private key: ${
        (error as Error).message
      }`,
    );
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new InputError(
      `The private key given does not belong to the ingress certificate (${leaf.subject.replace(
        /\n/g,
        ', ',
      )})`,
    );
  }
  const now = options.now ?? new Date();
  if (new Date(leaf.validTo) <= now) {
    throw new InputError(`The ingress certificate expired on ${leaf.validTo}`);
  }
  const warnings: string[] = [];
  if (options.hostname && !leaf.checkHost(options.hostname)) {
    warnings.push(
      `The ingress certificate does not name ${options.hostname}; browsers will refuse it for that host`,
    );
  }
  if (
    new Date(leaf.validTo).getTime() - now.getTime() <
    RENEW_BEFORE_DAYS * DAY_MS
  ) {
    warnings.push(`The ingress certificate expires soon, on ${leaf.validTo}`);
  }
  return warnings;
}

/**
 * Whether a self-signed certificate already in the cluster can stay:
 * the portal's own, for the same host, with its key, and not about to
 * expire. Keeping it makes re-running the bootstrap change nothing.
 */
export function canKeepSelfSigned(
  existing: TlsCertificate,
  options: { hostname?: string; now?: Date } = {},
): boolean {
  if (!isPortalSelfSigned(existing.certificate)) return false;
  try {
    const leaf = leafOf(existing.certificate);
    const now = options.now ?? new Date();
    return (
      leaf.checkPrivateKey(crypto.createPrivateKey(existing.privateKey)) &&
      new Date(leaf.validTo).getTime() - now.getTime() >=
        RENEW_BEFORE_DAYS * DAY_MS &&
      (!options.hostname || leaf.checkHost(options.hostname) !== undefined)
    );
  } catch {
    return false;
  }
}
