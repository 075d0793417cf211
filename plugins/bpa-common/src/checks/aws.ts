/** The AWS account, region and availability zones. */
import { AWS_COMMERCIAL_REGIONS } from '../awsRegions';
import type { EnvironmentSpec } from '../spec';
import type { SpecIssue } from '../validate';
import { excerpt, issue, quoted } from './issue';

const OTHER_PARTITION_REGION =
  /^(cn|us-gov|us-iso|us-isob|us-isof|eu-isoe|eusc)-/;
const AVAILABILITY_ZONE_ID = /^[a-z]{2,5}[0-9]+-az[0-9]+$/;
const AVAILABILITY_ZONE_NAME = /^([a-z]{2}(?:-[a-z]+)+-[0-9]+)[a-z]$/;

export function checkAws(aws: EnvironmentSpec['aws']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!/^[0-9]{12}$/.test(aws.accountId)) {
    issues.push(
      issue(
        'aws.accountId',
        `must be exactly 12 digits, the AWS account ID (e.g. 123456789012); got ${quoted(
          aws.accountId,
        )}`,
      ),
    );
  }
  const regionKnown = AWS_COMMERCIAL_REGIONS.includes(aws.region);
  if (!regionKnown) {
    issues.push(
      issue(
        'aws.region',
        OTHER_PARTITION_REGION.test(aws.region)
          ? `${excerpt(
              aws.region,
            )} belongs to another AWS partition (China, GovCloud, ISO or European Sovereign Cloud); this template deploys to commercial regions only`
          : `${quoted(
              aws.region,
            )} is not an AWS commercial region code such as us-east-1 or eu-west-1`,
      ),
    );
  }
  const zones = aws.availabilityZones;
  if (zones.length !== 3) {
    issues.push(
      issue(
        'aws.availabilityZones',
        `must list exactly three availability zones (got ${zones.length}): the network, the node groups and the RDS subnet group are spread over three zones, as in the reference deployment`,
      ),
    );
  }
  zones.forEach((zone, index) => {
    const path = `aws.availabilityZones.${index}`;
    const name = AVAILABILITY_ZONE_NAME.exec(zone);
    if (AVAILABILITY_ZONE_ID.test(zone)) {
      issues.push(
        issue(
          path,
          `${quoted(
            zone,
          )} is an availability zone ID; give the zone name, e.g. ${
            aws.region
          }a`,
        ),
      );
    } else if (!name) {
      issues.push(
        issue(
          path,
          `${quoted(
            zone,
          )} is not an availability zone name of the form <region><letter>, e.g. ${
            aws.region
          }a`,
        ),
      );
    } else if (regionKnown && name[1] !== aws.region) {
      issues.push(
        issue(
          path,
          `${excerpt(zone)} is a zone of ${
            name[1]
          }, not of the environment's region ${aws.region}`,
        ),
      );
    }
    const first = zones.indexOf(zone);
    if (first < index) {
      issues.push(
        issue(
          path,
          `${excerpt(
            zone,
          )} is listed twice (also aws.availabilityZones.${first}); the zones must be distinct so that losing one zone leaves two`,
        ),
      );
    }
  });
  return issues;
}
