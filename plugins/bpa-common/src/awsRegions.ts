/**
 * Region codes of the AWS commercial partition (`aws`), taken from the
 * partition table shipped in `@aws-sdk/core` 3.981 (`util-endpoints`
 * partitions, without the pseudo-region `aws-global`). China (`aws-cn`),
 * GovCloud (`aws-us-gov`), the European Sovereign Cloud and the ISO
 * partitions are separate partitions and out of scope.
 *
 * Refresh when AWS opens a region: copy the `aws` partition's region keys
 * from a newer `@aws-sdk/core`, or run `aws account list-regions`.
 */
export const AWS_COMMERCIAL_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'sa-west-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];
