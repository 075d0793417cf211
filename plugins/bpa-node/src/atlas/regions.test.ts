import fs from 'node:fs';
import yaml from 'yaml';
import { AWS_COMMERCIAL_REGIONS } from '@internal/backstage-plugin-bpa-common';
import { atlasSpecPath } from '@internal/backstage-plugin-bpa-test-utils';
import { ATLAS_AWS_REGIONS, atlasRegionName } from './regions';

/** The AWS branch of CloudRegionConfig20240805.regionName in the official spec. */
function specAwsRegionNames(): string[] {
  const doc = yaml.parse(fs.readFileSync(atlasSpecPath(), 'utf8'), {
    maxAliasCount: -1,
  });
  const branches: { title?: string; enum?: string[] }[] =
    doc.components.schemas.CloudRegionConfig20240805.properties.regionName
      .oneOf;
  return branches.find(b => b.title === 'AWS Regions')?.enum ?? [];
}

describe('Atlas region names of AWS regions', () => {
  const atlasNames = specAwsRegionNames();

  it('maps us-east-1 to US_EAST_1 and knows nothing of regions Atlas lacks', () => {
    expect(atlasRegionName('us-east-1')).toBe('US_EAST_1');
    expect(atlasRegionName('eu-central-2')).toBe('EU_CENTRAL_2');
    expect(atlasRegionName('me-west-1')).toBeUndefined();
    expect(atlasRegionName('us-gov-west-1')).toBeUndefined();
  });

  it('covers exactly the AWS commercial regions the Admin API spec offers clusters in', () => {
    const offered = AWS_COMMERCIAL_REGIONS.filter(r =>
      atlasNames.includes(r.toUpperCase().replace(/-/g, '_')),
    );
    expect(Object.keys(ATLAS_AWS_REGIONS).sort()).toEqual([...offered].sort());
    for (const name of Object.values(ATLAS_AWS_REGIONS)) {
      expect(atlasNames).toContain(name);
    }
  });
});
