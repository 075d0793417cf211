import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import {
  renderEnvironmentTxt,
  renderKubernetesManifests,
} from '../plan/incluster';
import { KubeObject } from './client';
import { parseManifest, PlanFile } from './planFiles';
import { deriveValue, fillSecret, parseValueSource } from './secretValues';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const asFile = (artifact: { path: string; content: string }): PlanFile => ({
  path: artifact.path,
  text: artifact.content,
  digest: 'test',
});
const secretsFile = asFile(
  renderKubernetesManifests(spec).find(
    a => a.path === 'kubernetes/30-secrets.yaml',
  )!,
);
const secrets = parseManifest(secretsFile);
const secretNamed = (name: string) =>
  secrets.find(s => s.metadata.name === name)!;
const decode = (secret: KubeObject) =>
  Object.fromEntries(
    Object.entries(secret.data as Record<string, string>).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString(),
    ]),
  );

const rootPassword = "r00t:p@ss/w%rd'";
const values = new Map([
  ['secretsmanager:bpa/bpa-demo/postgres-root:password', rootPassword],
  ['secretsmanager:bpa/bpa-demo/postgres-auth:password', 'kong-secret-1'],
  [
    'secretsmanager:bpa/bpa-demo/postgres-workflow:password',
    'camunda-secret-1',
  ],
  [
    'secretsmanager:bpa/bpa-demo/mongodb:connectionString',
    'mongodb+srv://bpa-demo-mongo-pl-0.x.mongodb.net',
  ],
  ['secretsmanager:bpa/bpa-demo/mongodb:username', 'bpa'],
  ['secretsmanager:bpa/bpa-demo/mongodb:password', 'mongo-secret-1'],
  ['cloudformation:bpa-demo-data:EndpointAddress', 'db.example.internal'],
  ['cloudformation:bpa-demo-data:EndpointPort', '5432'],
  [
    'stack-secret:bpa-demo-data/MasterUserSecretArn:password',
    'master-secret-1',
  ],
]);
const planFiles = new Map([
  [renderEnvironmentTxt(spec).path, asFile(renderEnvironmentTxt(spec))],
]);

describe('fillSecret', () => {
  it('fills the PostgreSQL binding from its sources, the URI URL-encoded', () => {
    const filled = fillSecret(secretNamed('bpa-binding-postgres'), {
      values,
      planFiles,
    });
    expect(filled.stringData).toBeUndefined();
    expect(decode(filled)).toEqual({
      host: 'db.example.internal',
      port: '5432',
      database: 'admin',
      username: 'admin',
      password: rootPassword,
      uri: `postgresql://admin:${encodeURIComponent(
        rootPassword,
      )}@db.example.internal:5432/admin?sslmode=require`,
    });
    expect(filled.metadata).toEqual(
      secretNamed('bpa-binding-postgres').metadata,
    );
  });

  it('fills environment.txt from the plan file with every reference resolved', () => {
    const txt = decode(
      fillSecret(secretNamed('bpa-environment'), { values, planFiles }),
    )['environment.txt'];
    expect(txt).toContain(`PG_INITDB_ROOT_PASSWORD=${rootPassword}\n`);
    expect(txt).toContain('WFE_DB_PASSWORD=camunda-secret-1\n');
    expect(txt).toContain('MONGODB_PASSWORD=mongo-secret-1\n');
    expect(txt).not.toMatch(/\$\{[a-z]/);
  });

  it('puts the certificate into the TLS Secret, and refuses to go on without it', () => {
    const tls = secretNamed('bpa-certificate-ingress');
    expect(
      decode(
        fillSecret(tls, {
          values,
          planFiles,
          certificate: { 'tls.crt': 'CERT', 'tls.key': 'KEY' },
        }),
      ),
    ).toEqual({
      'tls.crt': 'CERT',
      'tls.key': 'KEY',
    });
    expect(() => fillSecret(tls, { values, planFiles })).toThrow(
      'key tls.crt needs the ingress certificate',
    );
  });

  it('names the reference it has no value for', () => {
    expect(() =>
      fillSecret(secretNamed('bpa-binding-mongodb'), {
        values: new Map(),
        planFiles,
      }),
    ).toThrow(
      'Secret bpa-ns/bpa-binding-mongodb: no value for secretsmanager:bpa/bpa-demo/mongodb:connectionString',
    );
  });
});

describe('value sources', () => {
  it('reads every kind of source the plan writes', () => {
    expect(parseValueSource('literal:admin')).toEqual({
      kind: 'literal',
      value: 'admin',
    });
    expect(parseValueSource('plan:bpa/env/environment.txt')).toEqual({
      kind: 'plan',
      path: 'bpa/env/environment.txt',
    });
    expect(parseValueSource('cloudformation:s:Out')).toEqual({
      kind: 'reference',
      ref: { source: 'cloudformation', name: 's', key: 'Out' },
    });
    expect(() => parseValueSource('vault:x')).toThrow(
      'Unknown Secret value source "vault:x"',
    );
  });

  it('derives a value from the other keys', () => {
    expect(deriveValue('<a>-<b>', { a: 'x y', b: 'z' })).toBe('x y-z');
    expect(deriveValue('<a>, each part URL-encoded', { a: 'x y' })).toBe(
      'x%20y',
    );
    expect(() => deriveValue('<c>', {})).toThrow('needs key c');
  });
});
