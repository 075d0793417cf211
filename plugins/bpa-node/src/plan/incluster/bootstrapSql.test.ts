import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EnvironmentSpec,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { startPostgres, TestPostgres } from '@internal/backstage-plugin-bpa-test-utils';
import { renderDatabaseBootstrapSql } from './bootstrapSql';

jest.setTimeout(60_000);

let pg: TestPostgres;
let workDir: string;

beforeAll(async () => {
  pg = await startPostgres();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-bootstrap-sql-'));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

interface Passwords {
  admin: string;
  kong: string;
  camunda: string;
}

function writeSql(spec: EnvironmentSpec): string {
  const file = path.join(workDir, `${spec.name}.sql`);
  fs.writeFileSync(file, renderDatabaseBootstrapSql(spec).content);
  return file;
}

/** Runs the script the way the bootstrap Job does. */
const bootstrap = (
  sqlFile: string,
  passwords: Partial<Passwords>,
  as?: { user: string; password: string },
) =>
  pg.psql(
    [
      '-v',
      'ON_ERROR_STOP=1',
      ...Object.entries(passwords).flatMap(([who, pw]) => [
        '-v',
        `${who}_password=${pw}`,
      ]),
      '-f',
      sqlFile,
    ],
    as,
  );

async function query(sql: string): Promise<string[][]> {
  const result = await pg.psql(['-At', '-F', '|', '-c', sql]);
  expect(result.stderr).toBe('');
  return result.stdout
    .split('\n')
    .filter(line => line !== '')
    .map(line => line.split('|'));
}

/** PostgreSQL's md5 password hash. */
const md5Hash = (password: string, user: string) =>
  `md5${createHash('md5')
    .update(password + user)
    .digest('hex')}`;

const login = (user: string, password: string, database: string) =>
  pg.psql(['-At', '-c', 'SELECT current_user'], { user, password, database });

describe('bootstrap.sql on a fresh server, run by the superuser', () => {
  const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
  // Quotes, a backslash and psql's own syntax must reach the server verbatim.
  const passwords: Passwords = {
    admin: 'admin pw; with spaces',
    kong: `k0ng's "pw" \\ :'x'`,
    camunda: 'camunda-$(pw)-3',
  };
  let sqlFile: string;
  const state = () =>
    query(`
      SELECT 'role', rolname, rolcanlogin::text, coalesce(rolpassword, '') FROM pg_authid
       WHERE rolname IN ('admin', 'kong', 'camunda')
      UNION ALL
      SELECT 'database', datname, pg_get_userbyid(datdba), '' FROM pg_database
       WHERE datname NOT IN ('postgres', 'template0', 'template1')
      ORDER BY 1, 2`);

  beforeAll(() => {
    sqlFile = writeSql(spec);
  });

  it('creates the roles and databases, and a second run changes nothing', async () => {
    const first = await bootstrap(sqlFile, passwords);
    expect(first.stderr).not.toMatch(/ERROR/);
    expect(first.code).toBe(0);
    const afterFirst = await state();

    const second = await bootstrap(sqlFile, passwords);
    expect(second.stderr).not.toMatch(/ERROR/);
    expect(second.code).toBe(0);
    expect(await state()).toEqual(afterFirst);

    expect(
      afterFirst.map(([what, name, owner]) => [what, name, owner]),
    ).toEqual([
      ['database', 'admin', 'admin'],
      ['database', 'kong', 'kong'],
      ['database', 'process-engine', 'camunda'],
      ['role', 'admin', 'true'],
      ['role', 'camunda', 'true'],
      ['role', 'kong', 'true'],
    ]);
  });

  it('stores every password md5-hashed, as Camunda needs', async () => {
    const stored = Object.fromEntries(
      await query(
        `SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ('admin', 'kong', 'camunda')`,
      ),
    );
    expect(stored).toEqual({
      admin: md5Hash(passwords.admin, 'admin'),
      kong: md5Hash(passwords.kong, 'kong'),
      camunda: md5Hash(passwords.camunda, 'camunda'),
    });
  });

  it('lets each role log in over TCP with its password, and only with it', async () => {
    expect(await login('kong', passwords.kong, 'kong')).toMatchObject({
      code: 0,
      stdout: 'kong\n',
    });
    expect(
      await login('camunda', passwords.camunda, 'process-engine'),
    ).toMatchObject({ code: 0, stdout: 'camunda\n' });
    expect(await login('admin', passwords.admin, 'admin')).toMatchObject({
      code: 0,
      stdout: 'admin\n',
    });

    const wrong = await login('kong', 'not-the-password', 'kong');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(
      /password authentication failed for user "kong"/,
    );
  });

  it('lets Camunda create its tables in its database', async () => {
    const result = await pg.psql(
      [
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        'CREATE TABLE act_ge_property (name_ varchar(64) PRIMARY KEY)',
      ],
      {
        user: 'camunda',
        password: passwords.camunda,
        database: 'process-engine',
      },
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('rotates a password when run again with a new one', async () => {
    const rotated = { ...passwords, kong: 'kong-rotated-password' };
    const run = await bootstrap(sqlFile, rotated);
    expect(run.stderr).not.toMatch(/ERROR/);
    expect(run.code).toBe(0);

    expect(await login('kong', rotated.kong, 'kong')).toMatchObject({
      code: 0,
      stdout: 'kong\n',
    });
    expect((await login('kong', passwords.kong, 'kong')).code).not.toBe(0);
    expect(
      await query(`SELECT rolpassword FROM pg_authid WHERE rolname = 'kong'`),
    ).toEqual([[md5Hash(rotated.kong, 'kong')]]);
  });

  it('refuses to run without a password, naming the missing variable', async () => {
    const { kong, ...withoutKong } = passwords;
    const run = await bootstrap(sqlFile, withoutKong);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/psql variable kong_password is not set/);
  });

  it('refuses an empty password', async () => {
    const run = await bootstrap(sqlFile, { ...passwords, camunda: '' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/refuses an empty password/);
    expect(
      await login('camunda', passwords.camunda, 'process-engine'),
    ).toMatchObject({ code: 0 });
  });
});

describe('bootstrap.sql run by an RDS-like master user (CREATEDB CREATEROLE, not superuser)', () => {
  const spec = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    name: 'bpa-rds',
    rds: {
      masterUsername: 'bpa_master',
      root: { database: 'root-db', user: 'root_user' },
      auth: { database: 'auth-db', user: 'auth_user' },
      workflow: { database: 'wfe-db', user: 'wfe_user' },
    },
  });
  const master = { user: 'bpa_master', password: 'master-password' };
  const passwords: Passwords = {
    admin: 'root-pw',
    kong: 'auth-pw',
    camunda: 'wfe-pw',
  };
  let sqlFile: string;

  beforeAll(async () => {
    sqlFile = writeSql(spec);
    // What RDS creates: the master user, and the instance's database owned by it.
    await query(
      `CREATE ROLE bpa_master WITH LOGIN CREATEDB CREATEROLE PASSWORD '${master.password}'`,
    );
    await query('CREATE DATABASE "root-db" OWNER bpa_master');
  });

  it('creates the roles and hands each database to its role, twice without error', async () => {
    for (const attempt of [1, 2]) {
      const run = await bootstrap(sqlFile, passwords, master);
      expect({ attempt, stderr: run.stderr }).toEqual({
        attempt,
        stderr: expect.not.stringMatching(/ERROR/),
      });
      expect(run.code).toBe(0);
    }
    expect(
      await query(`
        SELECT datname, pg_get_userbyid(datdba) FROM pg_database
         WHERE datname IN ('root-db', 'auth-db', 'wfe-db') ORDER BY 1`),
    ).toEqual([
      ['auth-db', 'auth_user'],
      ['root-db', 'root_user'],
      ['wfe-db', 'wfe_user'],
    ]);
    expect(await login('root_user', passwords.admin, 'root-db')).toMatchObject({
      code: 0,
    });
    expect(await login('auth_user', passwords.kong, 'auth-db')).toMatchObject({
      code: 0,
    });
    expect(await login('wfe_user', passwords.camunda, 'wfe-db')).toMatchObject({
      code: 0,
    });
  });
});
