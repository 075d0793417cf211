/**
 * AWS commercial regions where Atlas runs dedicated clusters, with Atlas's
 * name for each: the AWS branch of `CloudRegionConfig20240805.regionName` in
 * the Admin API v2 spec (its GovCloud and China regions are other AWS
 * partitions and left out). me-west-1 and sa-west-1 are AWS regions Atlas
 * does not offer yet.
 */
export const ATLAS_AWS_REGIONS: Readonly<Record<string, string>> = {
  'af-south-1': 'AF_SOUTH_1',
  'ap-east-1': 'AP_EAST_1',
  'ap-east-2': 'AP_EAST_2',
  'ap-northeast-1': 'AP_NORTHEAST_1',
  'ap-northeast-2': 'AP_NORTHEAST_2',
  'ap-northeast-3': 'AP_NORTHEAST_3',
  'ap-south-1': 'AP_SOUTH_1',
  'ap-south-2': 'AP_SOUTH_2',
  'ap-southeast-1': 'AP_SOUTHEAST_1',
  'ap-southeast-2': 'AP_SOUTHEAST_2',
  'ap-southeast-3': 'AP_SOUTHEAST_3',
  'ap-southeast-4': 'AP_SOUTHEAST_4',
  'ap-southeast-5': 'AP_SOUTHEAST_5',
  'ap-southeast-6': 'AP_SOUTHEAST_6',
  'ap-southeast-7': 'AP_SOUTHEAST_7',
  'ca-central-1': 'CA_CENTRAL_1',
  'ca-west-1': 'CA_WEST_1',
  'eu-central-1': 'EU_CENTRAL_1',
  'eu-central-2': 'EU_CENTRAL_2',
  'eu-north-1': 'EU_NORTH_1',
  'eu-south-1': 'EU_SOUTH_1',
  'eu-south-2': 'EU_SOUTH_2',
  'eu-west-1': 'EU_WEST_1',
  'eu-west-2': 'EU_WEST_2',
  'eu-west-3': 'EU_WEST_3',
  'il-central-1': 'IL_CENTRAL_1',
  'me-central-1': 'ME_CENTRAL_1',
  'me-south-1': 'ME_SOUTH_1',
  'mx-central-1': 'MX_CENTRAL_1',
  'sa-east-1': 'SA_EAST_1',
  'us-east-1': 'US_EAST_1',
  'us-east-2': 'US_EAST_2',
  'us-west-1': 'US_WEST_1',
  'us-west-2': 'US_WEST_2',
};

/** Atlas's name of an AWS region (`us-east-1` → `US_EAST_1`), or undefined where Atlas does not run. */
export function atlasRegionName(awsRegion: string): string | undefined {
  return ATLAS_AWS_REGIONS[awsRegion];
}
