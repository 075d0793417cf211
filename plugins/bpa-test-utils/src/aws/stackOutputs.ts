import { createHash, randomBytes } from 'node:crypto';
import { parseTemplateBody } from '@internal/backstage-plugin-bpa-node';
import { SimulatedAwsOptions } from './options';
import { SimulatedSecretsManager } from './secretsManager';

type Resources = ReturnType<typeof parseTemplateBody>['resources'];

/**
 * Stack outputs as AWS fills them in: each output's `Value` expression
 * (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, literals) resolved against the
 * resources the stack made, with ids shaped like AWS's (`vpc-0…`,
 * target group ARNs, `<db>.<id>.<region>.rds.amazonaws.com`). RDS's
 * managed master user secret (`MasterUserSecret.SecretArn`) is created in
 * the simulated Secrets Manager, as RDS creates it with the instance.
 * What it cannot resolve keeps the simulator's `<stack>:<key>:value`.
 */
export function realisticStackOutputs(options: {
  region: string;
  accountId: string;
  /** Where RDS keeps the master user's password. */
  secretsManager: SimulatedSecretsManager;
  /** What EKS answers as the cluster's endpoint. */
  eksEndpoint?: string;
  /** The stack's template body, by stack id (the simulator's deployed one). */
  templateOf: (stackId: string) => string | undefined;
}): NonNullable<SimulatedAwsOptions['outputValue']> {
  const { region, accountId } = options;
  const hex = (seed: string, length: number) =>
    createHash('sha256').update(seed).digest('hex').slice(0, length);

  return (stack, _key, value) => {
    const body = options.templateOf(stack.stackId);
    if (!body) return undefined;
    const resources: Resources = parseTemplateBody(body).resources;
    const seed = (id: string) => `${stack.stackId}/${id}`;
    const name = (id: string, property: string) =>
      (resources[id]?.Properties?.[property] as string | undefined) ??
      `${stack.stackName}-${id}`.slice(0, 32);

    const ref = (id: string): string | undefined => {
      const type = resources[id]?.Type;
      const short = (prefix: string) => `${prefix}-0${hex(seed(id), 16)}`;
      switch (type) {
        case 'AWS::EC2::VPC':
          return short('vpc');
        case 'AWS::EC2::Subnet':
          return short('subnet');
        case 'AWS::EC2::SecurityGroup':
          return short('sg');
        case 'AWS::EC2::Instance':
          return short('i');
        case 'AWS::EKS::Cluster':
          return name(id, 'Name');
        case 'AWS::RDS::DBInstance':
          return name(id, 'DBInstanceIdentifier').toLowerCase();
        case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
          return `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/app/${name(
            id,
            'Name',
          )}/${hex(seed(id), 16)}`;
        case 'AWS::ElasticLoadBalancingV2::TargetGroup':
          return `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${name(
            id,
            'Name',
          )}/${hex(seed(id), 16)}`;
        default:
          return undefined;
      }
    };

    const getAtt = (id: string, attribute: string): string | undefined => {
      const resource = resources[id];
      const props = resource?.Properties ?? {};
      switch (`${resource?.Type}.${attribute}`) {
        case 'AWS::EC2::VPC.CidrBlock':
          return props.CidrBlock as string;
        case 'AWS::EC2::Instance.PublicIp':
          return `198.51.100.${(parseInt(hex(seed(id), 2), 16) % 250) + 1}`;
        case 'AWS::EKS::Cluster.Arn':
          return `arn:aws:eks:${region}:${accountId}:cluster/${name(
            id,
            'Name',
          )}`;
        case 'AWS::EKS::Cluster.Endpoint':
          return (
            options.eksEndpoint ??
            `https://${hex(
              seed(id),
              32,
            ).toUpperCase()}.gr7.${region}.eks.amazonaws.com`
          );
        case 'AWS::EKS::Cluster.ClusterSecurityGroupId':
          return `sg-0${hex(`${seed(id)}/sg`, 16)}`;
        case 'AWS::EKS::Cluster.OpenIdConnectIssuerUrl':
          return `https://oidc.eks.${region}.amazonaws.com/id/${hex(
            seed(id),
            32,
          ).toUpperCase()}`;
        case 'AWS::IAM::Role.Arn':
          return `arn:aws:iam::${accountId}:role/${name(id, 'RoleName')}`;
        case 'AWS::RDS::DBInstance.Endpoint.Address':
          return `${ref(id)}.${hex(seed(id), 12)}.${region}.rds.amazonaws.com`;
        case 'AWS::RDS::DBInstance.Endpoint.Port':
          return String(props.Port ?? 5432);
        case 'AWS::RDS::DBInstance.MasterUserSecret.SecretArn': {
          const secretName = `rds!db-${hex(seed(id), 8)}-${hex(
            `${seed(id)}/s`,
            4,
          )}`;
          if (!options.secretsManager.secrets.has(secretName)) {
            options.secretsManager.createSecret({
              Name: secretName,
              SecretString: JSON.stringify({
                username: props.MasterUsername,
                password: randomBytes(24).toString('base64url'),
              }),
            });
          }
          return options.secretsManager.arn(secretName);
        }
        case 'AWS::ECR::Repository.RepositoryUri':
          return `${accountId}.dkr.ecr.${region}.amazonaws.com/${name(
            id,
            'RepositoryName',
          )}`;
        case 'AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName':
          return `${name(id, 'Name')}-${parseInt(
            hex(seed(id), 8),
            16,
          )}.${region}.elb.amazonaws.com`;
        case 'AWS::ElasticLoadBalancingV2::LoadBalancer.CanonicalHostedZoneID':
          // Application Load Balancers' zone in us-east-1.
          return 'Z35SXDOTRQ7X7K';
        default:
          return undefined;
      }
    };

    const resolve = (expression: unknown): string | undefined => {
      if (typeof expression === 'string' || typeof expression === 'number') {
        return String(expression);
      }
      if (!expression || typeof expression !== 'object') return undefined;
      const e = expression as Record<string, any>;
      if (typeof e.Ref === 'string') return ref(e.Ref);
      if (e['Fn::GetAtt']) {
        const [id, ...path] = Array.isArray(e['Fn::GetAtt'])
          ? e['Fn::GetAtt']
          : String(e['Fn::GetAtt']).split('.');
        return getAtt(id, path.join('.'));
      }
      if (Array.isArray(e['Fn::Join'])) {
        const [separator, parts] = e['Fn::Join'];
        const resolved = (parts as unknown[]).map(resolve);
        return resolved.every(p => p !== undefined)
          ? resolved.join(separator)
          : undefined;
      }
      if (typeof e['Fn::Sub'] === 'string') {
        return e['Fn::Sub'].replace(
          /\$\{([^}]+)\}/g,
          (_m: string, v: string) => {
            if (v === 'AWS::Region') return region;
            if (v === 'AWS::AccountId') return accountId;
            if (v === 'AWS::StackName') return stack.stackName;
            return ref(v) ?? `\${${v}}`;
          },
        );
      }
      return undefined;
    };
    return resolve(value);
  };
}
