import fs from 'node:fs';
import path from 'node:path';

/** An AWS API call found in runtime source, as the IAM action it needs. */
export interface SdkCall {
  /** `service:Operation`, e.g. `ec2:CreateVpcEndpoint`. */
  action: string;
  /** Where it is made: the root's parent folder and the path below it (`bpa-node/src/aws/secrets.ts`). */
  file: string;
}

/** IAM service prefixes of the `@aws-sdk/client-*` packages the project uses. */
const IAM_PREFIX: Record<string, string> = {
  acm: 'acm',
  'auto-scaling': 'autoscaling',
  cloudformation: 'cloudformation',
  ec2: 'ec2',
  ecr: 'ecr',
  eks: 'eks',
  'elastic-load-balancing-v2': 'elasticloadbalancing',
  iam: 'iam',
  rds: 'rds',
  s3: 's3',
  'secrets-manager': 'secretsmanager',
  ssm: 'ssm',
  sts: 'sts',
};

const RUNTIME_SOURCE = /\.tsx?$/;
const NOT_RUNTIME = /(\.test\.tsx?|\.d\.ts)$|(^|\/)(__testUtils__|testUtils)\//;

function sourceFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map(f => f.split(path.sep).join('/'))
    .filter(f => RUNTIME_SOURCE.test(f) && !NOT_RUNTIME.test(f))
    .sort();
}

/** Local names of the commands a file imports from `@aws-sdk/client-*`, with their IAM action. */
function importedCommands(source: string, file: string): Map<string, string> {
  const commands = new Map<string, string>();
  const imports =
    /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/client-([a-z0-9-]+)'/g;
  for (const [, names, client] of source.matchAll(imports)) {
    const prefix = IAM_PREFIX[client];
    if (!prefix) {
      throw new Error(
        `${file} imports @aws-sdk/client-${client}, whose IAM service prefix sdkCalls.ts does not know`,
      );
    }
    for (const name of names.split(',').map(n => n.trim())) {
      const [exported, local = exported] = name.split(/\s+as\s+/);
      if (exported.endsWith('Command')) {
        commands.set(local, `${prefix}:${exported.replace(/Command$/, '')}`);
      }
    }
  }
  return commands;
}

/**
 * Every AWS API call the runtime code under `roots` makes: each
 * `new XxxCommand(` of a command imported from an `@aws-sdk/client-*`
 * package (the code signs no AWS call by hand). Tests, test utilities and
 * declaration files are left out.
 */
export function sdkCallsIn(roots: string[]): SdkCall[] {
  const calls: SdkCall[] = [];
  for (const root of roots) {
    for (const file of sourceFiles(root)) {
      const source = fs.readFileSync(path.join(root, file), 'utf8');
      const where = path
        .relative(path.dirname(path.dirname(root)), path.join(root, file))
        .split(path.sep)
        .join('/');
      const commands = importedCommands(source, where);
      for (const [, local] of source.matchAll(/new\s+(\w+Command)\s*\(/g)) {
        const action = commands.get(local);
        if (action) calls.push({ action, file: where });
      }
    }
  }
  return calls;
}
