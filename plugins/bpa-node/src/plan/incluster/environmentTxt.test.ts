import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { renderEnvironmentTxt } from './environmentTxt';
import { listReferences, Reference, resolveReferences } from './references';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

/** KEY=VALUE lines of an environment file, comments skipped. */
const entries = (text: string) =>
  Object.fromEntries(
    text
      .split('\n')
      .filter(line => line !== '' && !line.startsWith('#'))
      .map(line => [
        line.slice(0, line.indexOf('=')),
        line.slice(line.indexOf('=') + 1),
      ]),
  );

/** What AWS would answer at apply time, for this environment. */
const fakeCloud: Record<string, string> = {
  'secretsmanager:bpa/bpa-demo/postgres-root:password': 'fake-root-secret',
  'secretsmanager:bpa/bpa-demo/postgres-auth:password': 'fake-kong-secret',
  'secretsmanager:bpa/bpa-demo/postgres-workflow:password':
    'fake-camunda-secret',
  'secretsmanager:bpa/bpa-demo/mongodb:connectionString':
    'mongodb+srv://bpa-demo-mongo-pl-0.abcde.mongodb.net',
  'secretsmanager:bpa/bpa-demo/mongodb:username': 'bpa',
  'secretsmanager:bpa/bpa-demo/mongodb:password': 'fake-mongo-secret',
  'cloudformation:bpa-demo-data:EndpointAddress':
    'bpa-demo-postgres.abc.us-east-1.rds.amazonaws.com',
  'cloudformation:bpa-demo-data:EndpointPort': '5432',
};
const lookup = (ref: Reference) =>
  fakeCloud[`${ref.source}:${ref.name}:${ref.key}`];
const secretValues = Object.entries(fakeCloud)
  .filter(([ref]) => ref.endsWith(':password'))
  .map(([, value]) => value);

describe('renderEnvironmentTxt', () => {
  const artifact = renderEnvironmentTxt(spec);

  it('is BPA environment file of the plan', () => {
    expect(artifact).toMatchObject({
      path: 'bpa/env/environment.txt',
      kind: 'environment-txt',
    });
  });

  it('has the guide keys, names inlined and passwords referenced', () => {
    const env = entries(artifact.content);
    expect(env).toMatchObject({
      PG_ROOT_DATABASE: 'admin',
      PG_INITDB_ROOT_USERNAME: 'admin',
      PG_INITDB_ROOT_PASSWORD:
        '${secretsmanager:bpa/bpa-demo/postgres-root:password}',
      AUTH_DB_NAME: 'kong',
      AUTH_DB_USER: 'kong',
      AUTH_DB_PASSWORD: '${secretsmanager:bpa/bpa-demo/postgres-auth:password}',
      WFE_DB_USER: 'camunda',
      WFE_DB_PASSWORD:
        '${secretsmanager:bpa/bpa-demo/postgres-workflow:password}',
      WFE_DB_NAME: 'process-engine',
      PG_HOST: '${cloudformation:bpa-demo-data:EndpointAddress}',
      PG_PORT: '${cloudformation:bpa-demo-data:EndpointPort}',
      MONGODB_CONNECTION_STRING:
        '${secretsmanager:bpa/bpa-demo/mongodb:connectionString}',
    });
  });

  it('holds no secret until resolved, and every one after', () => {
    for (const secret of secretValues)
      expect(artifact.content).not.toContain(secret);

    const resolved = resolveReferences(artifact.content, lookup);
    const env = entries(resolved);
    expect(env).toMatchObject({
      PG_INITDB_ROOT_PASSWORD: 'fake-root-secret',
      AUTH_DB_PASSWORD: 'fake-kong-secret',
      WFE_DB_PASSWORD: 'fake-camunda-secret',
      MONGODB_PASSWORD: 'fake-mongo-secret',
      PG_HOST: 'bpa-demo-postgres.abc.us-east-1.rds.amazonaws.com',
      PG_PORT: '5432',
      AUTH_DB_NAME: 'kong',
    });
    expect(listReferences(resolved)).toEqual([]);
    expect(Object.values(env).filter(value => value.includes('${'))).toEqual(
      [],
    );
  });

  it('lists the references the apply step must look up', () => {
    expect(
      listReferences(artifact.content)
        .map(r => `${r.source}:${r.name}:${r.key}`)
        .sort(),
    ).toEqual(Object.keys(fakeCloud).sort());
  });

  it('fails on a reference the apply step cannot resolve, naming it', () => {
    const withoutMongo = (ref: Reference) =>
      ref.name.endsWith('/mongodb') ? undefined : lookup(ref);
    expect(() => resolveReferences(artifact.content, withoutMongo)).toThrow(
      'Cannot resolve ${secretsmanager:bpa/bpa-demo/mongodb:connectionString}',
    );
  });

  it('follows the environment: names and secret paths', () => {
    const other = renderEnvironmentTxt(
      parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        name: 'lab',
        rds: { workflow: { database: 'camunda-db', user: 'wfe' } },
      }),
    );
    expect(entries(other.content)).toMatchObject({
      WFE_DB_NAME: 'camunda-db',
      WFE_DB_USER: 'wfe',
      WFE_DB_PASSWORD: '${secretsmanager:bpa/lab/postgres-workflow:password}',
    });
  });

  it('is the same bytes for the same request', () => {
    expect(
      renderEnvironmentTxt(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ).toEqual(artifact);
  });
});
