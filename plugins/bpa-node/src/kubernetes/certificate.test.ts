import crypto from 'node:crypto';
import {
  canKeepSelfSigned,
  checkProvidedCertificate,
  generateSelfSignedCertificate,
  isPortalSelfSigned,
} from './certificate';

describe('generateSelfSignedCertificate', () => {
  const tls = generateSelfSignedCertificate({
    commonName: 'bpa.example.com',
    dnsNames: ['bpa.example.com'],
  });
  const cert = new crypto.X509Certificate(tls.certificate);

  it("makes a server certificate for the host, with its key, flagged as the portal's own", () => {
    expect(cert.subject).toContain('CN=bpa.example.com');
    expect(cert.subject).toContain('O=BPA portal (self-signed)');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.checkHost('bpa.example.com')).toBe('bpa.example.com');
    expect(cert.checkPrivateKey(crypto.createPrivateKey(tls.privateKey))).toBe(
      true,
    );
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(new Date(cert.validTo).getTime() - Date.now()).toBeGreaterThan(
      360 * 24 * 3600 * 1000,
    );
    expect(isPortalSelfSigned(tls.certificate)).toBe(true);
  });

  it('is kept on the next run unless the host changes or it is about to expire', () => {
    expect(canKeepSelfSigned(tls, { hostname: 'bpa.example.com' })).toBe(true);
    expect(canKeepSelfSigned(tls, { hostname: 'other.example.com' })).toBe(
      false,
    );
    expect(
      canKeepSelfSigned(tls, {
        now: new Date(Date.now() + 350 * 24 * 3600 * 1000),
      }),
    ).toBe(false);
  });
});

describe('checkProvidedCertificate', () => {
  const given = generateSelfSignedCertificate({
    commonName: 'bpa.example.com',
    dnsNames: ['bpa.example.com'],
  });
  const other = generateSelfSignedCertificate({ commonName: 'x' });

  it('accepts a matching pair, warning when the host is not in it', () => {
    expect(
      checkProvidedCertificate(given, { hostname: 'bpa.example.com' }),
    ).toEqual([]);
    expect(
      checkProvidedCertificate(given, { hostname: 'bpa.other.com' }),
    ).toEqual([
      'The ingress certificate does not name bpa.other.com; browsers will refuse it for that host',
    ]);
  });

  it('refuses a key of another certificate, garbage, and an expired certificate', () => {
    expect(() =>
      checkProvidedCertificate({
        certificate: given.certificate,
        privateKey: other.privateKey,
      }),
    ).toThrow(
      'The private key given does not belong to the ingress certificate',
    );
    expect(() =>
      checkProvidedCertificate({
        certificate: 'nope',
        privateKey: given.privateKey,
      }),
    ).toThrow('The ingress certificate is not a PEM X.509 certificate');
    expect(() =>
      checkProvidedCertificate(given, {
        now: new Date(Date.now() + 400 * 24 * 3600 * 1000),
      }),
    ).toThrow('The ingress certificate expired on');
  });
});
