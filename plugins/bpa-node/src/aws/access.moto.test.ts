import {
  ACMClient,
  ImportCertificateCommand,
  RequestCertificateCommand,
} from '@aws-sdk/client-acm';
import { generateKeyPairSync } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import forge from 'node-forge';
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  recordingLogger,
  startMoto,
} from '@internal/backstage-plugin-bpa-test-utils';
import { listenerCertificateProblem } from './certificate';
import { awsClientFactoryFromConfig, AwsClients } from './clients';
import { verifyAwsAccess } from './credentialsCheck';

/**
 * The checks made before anything is created, against moto: STS
 * GetCallerIdentity (who the portal is) and ACM DescribeCertificate (the
 * listeners' certificate). moto does not model IAM's
 * SimulatePrincipalPolicy, so the permission simulation stays with the
 * simulator (credentialsCheck.test.ts, permissions.test.ts); here it must
 * fail softly, as it does where the portal may not simulate.
 */
const region = 'us-east-1';
let moto: MotoServer;
let clients: AwsClients;
let acm: ACMClient;

beforeAll(async () => {
  // The role is assumed by @backstage/integration-aws-node's own STS client, which only the environment points at moto.
  moto = await startMoto({ asDefaultEndpoint: true });
  clients = await awsClientFactoryFromConfig(
    new ConfigReader({
      aws: {
        mainAccount: MOTO_CREDENTIALS,
        accounts: [{ accountId: MOTO_ACCOUNT_ID, roleName: 'bpa-portal' }],
      },
    }),
    { endpoint: moto.endpoint, maxAttempts: 1 },
  ).forTarget({ accountId: MOTO_ACCOUNT_ID, region });
  acm = new ACMClient({
    region,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  });
}, MOTO_TEST_TIMEOUT_MS);
afterAll(() => moto?.stop());

/** A self-signed certificate valid from `from` to `to`, imported into ACM. */
async function importCertificate(from: Date, to: Date): Promise<string> {
  // node:crypto makes the key pair fast; node-forge signs the certificate.
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = forge.pki.privateKeyFromPem(
    pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
  );
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  );
  cert.serialNumber = '01';
  cert.validity.notBefore = from;
  cert.validity.notAfter = to;
  const subject = [{ name: 'commonName', value: 'bpa.example.com' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(privateKey, forge.md.sha256.create());
  const { CertificateArn } = await acm.send(
    new ImportCertificateCommand({
      Certificate: Buffer.from(forge.pki.certificateToPem(cert)),
      PrivateKey: Buffer.from(forge.pki.privateKeyToPem(privateKey)),
    }),
  );
  return CertificateArn!;
}

const DAY = 86_400_000;

describe('the access checks on moto', () => {
  jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

  it('knows who the portal is from STS (the role aws.accounts assumes), and goes on with a warning when the simulation cannot run', async () => {
    const logger = recordingLogger();

    const access = await verifyAwsAccess({
      clients,
      environment: 'bpa-demo',
      actions: ['cloudformation:CreateChangeSet'],
      operation: 'deploy',
      logger,
    });

    expect(access).toMatchObject({
      accountId: MOTO_ACCOUNT_ID,
      principalArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/bpa-portal`,
      permissionsChecked: false,
    });
    expect(logger.lines.map(l => l.level)).toEqual(['warn']);
    expect(logger.messages()[0]).toContain(
      'Could not check the deploy permissions',
    );
  });

  it('refuses credentials of another account, naming both', async () => {
    const other = await awsClientFactoryFromConfig(
      new ConfigReader({
        aws: {
          accounts: [{ accountId: '210987654321', ...MOTO_CREDENTIALS }],
        },
      }),
      { endpoint: moto.endpoint, maxAttempts: 1 },
    ).forTarget({ accountId: '210987654321', region });

    const error = await verifyAwsAccess({
      clients: other,
      environment: 'bpa-demo',
      actions: [],
      operation: 'deploy',
      logger: recordingLogger(),
    }).catch(e => e);

    expect(error.message).toContain(
      `The AWS credentials are for account ${MOTO_ACCOUNT_ID}`,
    );
    expect(error.message).toContain(
      'the environment is in account 210987654321',
    );
  });

  it('accepts an issued certificate and refuses it once expired, a pending or a missing one', async () => {
    const now = new Date();
    const valid = await importCertificate(
      new Date(now.getTime() - DAY),
      new Date(now.getTime() + 90 * DAY),
    );
    const { CertificateArn: pending } = await acm.send(
      new RequestCertificateCommand({
        DomainName: 'bpa.example.com',
        ValidationMethod: 'DNS',
      }),
    );
    const missing = valid.replace(
      /certificate\/.*/,
      'certificate/00000000-0000-0000-0000-000000000000',
    );

    expect(
      await listenerCertificateProblem(clients.acm, valid),
    ).toBeUndefined();
    // ACM refuses to import an expired certificate: this one expires in 90 days.
    expect(
      await listenerCertificateProblem(
        clients.acm,
        valid,
        new Date(now.getTime() + 91 * DAY),
      ),
    ).toMatch(/^certificate .* \(bpa\.example\.com\) expired on /);
    expect(await listenerCertificateProblem(clients.acm, pending!)).toContain(
      'is PENDING_VALIDATION (finish its DNS or email validation first)',
    );
    expect(await listenerCertificateProblem(clients.acm, missing)).toBe(
      `ACM has no certificate ${missing}; request or import it in the environment's account and region first`,
    );
  });
});
