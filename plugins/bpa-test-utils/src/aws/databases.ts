import {
  DBInstance,
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommandInput,
} from '@aws-sdk/client-rds';
import { SimulatedCloudFormation } from './cloudFormation';

/** RDS instance statuses while their stack is being created or changed. */
const STATUS_BY_STACK: Array<[RegExp, string]> = [
  [/^(CREATE|IMPORT)_IN_PROGRESS$/, 'creating'],
  [/^UPDATE_(COMPLETE_CLEANUP_)?IN_PROGRESS$/, 'modifying'],
  [/_COMPLETE$/, 'available'],
];

/**
 * RDS as the simulated account's stacks make it: an `AWS::RDS::DBInstance`
 * of a live stack is an instance (`creating` while its stack is, then
 * `available`), its primary in the region's first zone and, Multi-AZ, its
 * standby in the second. Stacks rolled back or deleted hold none.
 */
export class SimulatedDatabases {
  constructor(
    private readonly cloudFormation: SimulatedCloudFormation,
    private readonly region: string,
  ) {}

  describeDBInstances(input: DescribeDBInstancesCommandInput) {
    const instances: DBInstance[] = this.cloudFormation
      .resourcesOfType('AWS::RDS::DBInstance')
      .filter(r => !/ROLLBACK|DELETE/.test(r.status))
      .map(r => {
        const status = STATUS_BY_STACK.find(([pattern]) =>
          pattern.test(r.status),
        )?.[1];
        const multiAz = r.properties.MultiAZ === true;
        return {
          DBInstanceIdentifier: r.properties.DBInstanceIdentifier as string,
          DBInstanceClass: r.properties.DBInstanceClass as string,
          DBInstanceStatus: status ?? 'failed',
          MultiAZ: multiAz,
          AvailabilityZone: `${this.region}a`,
          ...(multiAz && { SecondaryAvailabilityZone: `${this.region}b` }),
        };
      })
      .filter(
        i =>
          !input.DBInstanceIdentifier ||
          i.DBInstanceIdentifier === input.DBInstanceIdentifier,
      );
    if (input.DBInstanceIdentifier && instances.length === 0) {
      throw new DBInstanceNotFoundFault({
        message: `DBInstance ${input.DBInstanceIdentifier} not found.`,
        $metadata: {},
      });
    }
    return { DBInstances: instances };
  }
}
