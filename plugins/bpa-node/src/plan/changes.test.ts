import {
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { refusedChanges } from './changes';

const recorded = parseEnvironmentSpec({
  ...REFERENCE_SPEC_INPUT,
  cluster: { kubernetesVersion: '1.33' },
});
const changed = (change: (spec: EnvironmentSpec) => void) => {
  const spec = structuredClone(recorded);
  change(spec);
  return parseEnvironmentSpec(spec);
};

describe('changes an applied environment cannot take in place', () => {
  it('accepts the changes its stacks take as updates', () => {
    const next = changed(s => {
      s.cluster.kubernetesVersion = '1.34';
      s.cluster.nodes[0].instanceType = 'm5.8xlarge';
      s.cluster.nodes[1].dataVolumeGiB = 3000;
      s.cluster.nodes.push({
        name: 'node-5',
        instanceType: 'm5.xlarge',
        dataVolumeGiB: 100,
        labels: { name: 'node-5' },
        dataDirectories: [],
        availabilityZone: 'us-east-1b',
      });
      s.rds.engineVersion = '17.7';
      s.rds.allocatedStorageGiB = 400;
      s.rds.multiAz = true;
      s.network.bastionAccess = 'ssh';
      s.tags = { team: 'automation' };
    });
    expect(refusedChanges(recorded, next)).toEqual([]);
  });

  it.each<[string, (s: EnvironmentSpec) => void, string, string]>([
    [
      'a node role moved to another zone',
      s => {
        s.cluster.nodes[2].availabilityZone = 'us-east-1a';
      },
      'cluster.nodes.2.availabilityZone',
      "node role node-3's data volume lives in us-east-1c",
    ],
    [
      'a smaller data volume',
      s => {
        s.cluster.nodes[0].dataVolumeGiB = 1000;
      },
      'cluster.nodes.0.dataVolumeGiB',
      'can grow, never shrink',
    ],
    [
      'a Kubernetes version skipped',
      s => {
        s.cluster.kubernetesVersion = '1.35';
      },
      'cluster.kubernetesVersion',
      'plan 1.34 first, then 1.35',
    ],
    [
      'a Kubernetes downgrade',
      s => {
        s.cluster.kubernetesVersion = '1.32';
      },
      'cluster.kubernetesVersion',
      'EKS never downgrades',
    ],
    [
      'a PostgreSQL downgrade',
      s => {
        s.rds.engineVersion = '15.15';
      },
      'rds.engineVersion',
      'RDS never downgrades',
    ],
    [
      'less database storage',
      s => {
        s.rds.allocatedStorageGiB = 100;
      },
      'rds.allocatedStorageGiB',
      'never shrink',
    ],
    [
      'another master user',
      s => {
        s.rds.masterUsername = 'bpa_root';
      },
      'rds.masterUsername',
      'would replace the database',
    ],
    [
      'another region',
      s => {
        s.aws.region = 'us-west-2';
        s.aws.availabilityZones = ['us-west-2a', 'us-west-2b', 'us-west-2c'];
        s.cluster.nodes.forEach((n, i) => {
          n.availabilityZone = s.aws.availabilityZones[i % 3];
        });
      },
      'aws.region',
      'cannot change in place',
    ],
    [
      'another VPC CIDR',
      s => {
        s.network.vpcCidr = '10.1.0.0/16';
      },
      'network.vpcCidr',
      'cannot change in place',
    ],
  ])('refuses %s, saying why and what to do', (_what, change, path, text) => {
    expect(refusedChanges(recorded, changed(change))).toContainEqual({
      path,
      message: expect.stringContaining(text),
    });
  });
});
