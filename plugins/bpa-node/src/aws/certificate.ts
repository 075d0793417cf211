import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';

/** What the certificate check calls. */
export const CERTIFICATE_CHECK_ACTIONS = ['acm:DescribeCertificate'];

/**
 * Why an ACM certificate cannot serve the load balancer's HTTPS listeners,
 * or undefined when it can: it must exist in the environment's account and
 * region, be issued (not pending validation, failed or revoked) and not be
 * expired. CloudFormation would otherwise fail the listener only after the
 * load balancer was created.
 */
export async function listenerCertificateProblem(
  acm: ACMClient,
  certificateArn: string,
  now: Date = new Date(),
): Promise<string | undefined> {
  let certificate;
  try {
    ({ Certificate: certificate } = await acm.send(
      new DescribeCertificateCommand({ CertificateArn: certificateArn }),
    ));
  } catch (error) {
    const e = error as Error;
    if (e.name === 'ResourceNotFoundException') {
      return `ACM has no certificate ${certificateArn}; request or import it in the environment's account and region first`;
    }
    throw new Error(
      `ACM DescribeCertificate ${certificateArn} failed: ${e.name}: ${e.message}`,
    );
  }
  const status = certificate?.Status ?? 'unknown';
  if (status !== 'ISSUED') {
    const hint =
      status === 'PENDING_VALIDATION'
        ? ' (finish its DNS or email validation first)'
        : '';
    return `certificate ${certificateArn} (${
      certificate?.DomainName ?? 'no domain'
    }) is ${status}${hint}; the load balancer's listeners need an issued certificate`;
  }
  if (certificate?.NotAfter && new Date(certificate.NotAfter) <= now) {
    return `certificate ${certificateArn} (${
      certificate.DomainName
    }) expired on ${new Date(certificate.NotAfter).toISOString()}`;
  }
  return undefined;
}
