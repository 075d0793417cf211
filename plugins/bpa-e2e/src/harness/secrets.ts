import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { LabCluster, World } from './world';

/** A value that must never be shown, and what it is (as a hit names it). */
export interface KnownSecret {
  what: string;
  value: string;
}

/** Where a scan found a secret. */
export interface SecretHit {
  what: string;
  where: string;
}

/** Fields of a JSON secret that hold secret material (the rest are names, hosts, ports). */
const SECRET_FIELD = /pass|secret|key|token/i;
/** Shorter values would match by chance (a port, a user name). */
const MIN_LENGTH = 8;

function secretFields(what: string, text: string): KnownSecret[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [{ what, value: text }];
  }
  if (!parsed || typeof parsed !== 'object') return [{ what, value: text }];
  return Object.entries(parsed as Record<string, unknown>)
    .filter(([k, v]) => SECRET_FIELD.test(k) && typeof v === 'string')
    .map(([k, v]) => ({ what: `${what} ${k}`, value: v as string }));
}

/**
 * Every secret the simulated clouds hold or issued: each Secrets Manager
 * secret's secret fields (the PostgreSQL passwords, the Atlas user's, RDS's
 * master password), the Atlas service account's client secret and the
 * access tokens Atlas issued, the AWS secret access key of the backends,
 * the source registry's password (bpa.mirror.registries) and the ECR
 * stand-in's (what GetAuthorizationToken hands out).
 */
export function cloudSecrets(world: World): KnownSecret[] {
  return [
    ...[...world.aws.secretsManager.secrets.entries()].flatMap(([name, text]) =>
      secretFields(`Secrets Manager ${name}`, text),
    ),
    {
      what: 'Atlas service account client secret',
      value: world.atlas.server.serviceAccount.clientSecret,
    },
    ...world.atlas.server
      .tokensIssued()
      .map(value => ({ what: 'Atlas access token', value })),
    {
      what: 'AWS secret access key',
      value: 'simulated-secret-access-key',
    },
    {
      what: 'source registry password',
      value: world.registries.source.password!,
    },
    { what: 'ECR registry password', value: world.registries.ecr.password! },
  ];
}

/**
 * A lab cluster's secrets: its bearer tokens (the EKS tokens' stand-ins)
 * and the secret fields of every Secret the portal wrote there (the
 * ingress TLS private key, the database credentials), Helm's own release
 * records aside.
 */
export async function clusterSecrets(
  cluster: LabCluster,
): Promise<KnownSecret[]> {
  const list = await cluster.api.request('GET', '/api/v1/secrets');
  const fromSecrets = (list.items as any[])
    .filter(s => s.metadata.labels?.owner !== 'helm')
    .flatMap(s =>
      Object.entries((s.data ?? {}) as Record<string, string>)
        .filter(([k]) => SECRET_FIELD.test(k))
        .map(([k, v]) => ({
          what: `Kubernetes Secret ${s.metadata.namespace}/${s.metadata.name} ${k}`,
          value: Buffer.from(v, 'base64').toString(),
        })),
    );
  return [
    { what: 'Kubernetes token', value: cluster.api.token },
    { what: 'Kubernetes token (portal)', value: cluster.api.rotatedToken },
    ...fromSecrets,
  ];
}

/** The ways a value can be written down: as is, base64, JSON-escaped, URL-encoded; a PEM key also line by line. */
function writtenForms(value: string): string[] {
  const forms = new Set([
    value,
    Buffer.from(value).toString('base64'),
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
  ]);
  if (value.includes('PRIVATE KEY')) {
    for (const line of value.split('\n')) {
      if (line.length >= 32 && !line.startsWith('-----')) forms.add(line);
    }
  }
  return [...forms].filter(f => f.length >= MIN_LENGTH);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(file);
    return entry.isFile() ? [file] : [];
  });
}

/**
 * Every row of every table of the portals' databases (the scaffolder's
 * tasks, their events, step outputs and checkpoints; the catalog's
 * entities; the other plugins'), as text, by database and table.
 */
async function databaseRows(
  world: World,
  prefix: string,
): Promise<Array<{ where: string; text: string }>> {
  const connect = async (database?: string) => {
    const client = new Client({
      connectionString: world.postgres.connectionString,
      ...(database && { database }),
    });
    await client.connect();
    return client;
  };
  const admin = await connect();
  const { rows: databases } = await admin
    .query('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${prefix}%`,
    ])
    .finally(() => admin.end());
  const out: Array<{ where: string; text: string }> = [];
  for (const { datname } of databases) {
    const db = await connect(datname);
    try {
      const { rows: tables } = await db.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
      );
      for (const t of tables) {
        const { rows } = await db.query(
          `SELECT t::text AS row FROM "${t.table_schema}"."${t.table_name}" t`,
        );
        out.push({
          where: `database ${datname} table ${t.table_name}`,
          text: rows.map(r => r.row).join('\n'),
        });
      }
    } finally {
      await db.end();
    }
  }
  return out;
}

/**
 * Looks for every form of every secret in what the portals left: every
 * file of their directories (each backend's log, the workspaces, the
 * entities directory; not the operator's app-config.yaml, which holds the
 * credentials the portal is given), every row of their databases, and
 * `texts` (what the APIs served during the run: task pages, catalog
 * entities, live status). Returns each hit with where it was.
 */
export async function scanForSecrets(
  world: World,
  secrets: KnownSecret[],
  texts: Array<{ where: string; text: string }>,
): Promise<SecretHit[]> {
  const files = fs
    .readdirSync(world.dir)
    .filter(d => d.startsWith('portal-'))
    .flatMap(d => filesUnder(path.join(world.dir, d)))
    .filter(f => path.basename(f) !== 'app-config.yaml')
    .map(f => ({
      where: `file ${path.relative(world.dir, f)}`,
      text: fs.readFileSync(f).toString('latin1'),
    }));
  const haystacks = [
    ...files,
    ...(await databaseRows(world, 'bpa_e2e_')),
    ...texts,
  ];
  const hits: SecretHit[] = [];
  for (const secret of secrets) {
    const forms = writtenForms(secret.value);
    for (const h of haystacks) {
      if (forms.some(f => h.text.includes(f)))
        hits.push({ what: secret.what, where: h.where });
    }
  }
  return hits;
}
