import {
  isAwsTagText,
  isDnsHostName,
  isEc2InstanceType,
  isEcrRepositoryName,
  isImageTag,
  isPlainAbsolutePath,
  isPlainRelativePath,
  isRdsInstanceClass,
  isSemanticVersion,
} from './rules';

describe('name syntax rules', () => {
  it.each([
    'm5.4xlarge',
    'm7i-flex.large',
    'c6gn.16xlarge',
    't3.micro',
    'u-6tb1.112xlarge',
    'c7i.metal-24xl',
    'mac2-m2pro.metal',
  ])('EC2 instance type %s is well-formed', type => {
    expect(isEc2InstanceType(type)).toBe(true);
  });

  it.each([
    'm5',
    'm5.4XLARGE',
    'db.m5.large',
    'm5.huge',
    '4xlarge.m5',
    'm.large',
  ])('EC2 instance type %s is refused', type => {
    expect(isEc2InstanceType(type)).toBe(false);
  });

  it('RDS classes carry the db. prefix', () => {
    for (const good of ['db.m5d.2xlarge', 'db.r5b.2xlarge', 'db.t4g.micro']) {
      expect(isRdsInstanceClass(good)).toBe(true);
    }
    for (const bad of ['m5d.2xlarge', 'db.m5d', 'db.serverless']) {
      expect(isRdsInstanceClass(bad)).toBe(false);
    }
  });

  it('ECR repository names are lowercase components', () => {
    expect(isEcrRepositoryName('bpa/sase-service')).toBe(true);
    expect(isEcrRepositoryName('bpa.v4/ui_app')).toBe(true);
    expect(isEcrRepositoryName('Sase-Service')).toBe(false);
    expect(isEcrRepositoryName('bpa//x')).toBe(false);
    expect(isEcrRepositoryName('-bpa')).toBe(false);
  });

  it('image tags follow the OCI tag grammar', () => {
    expect(isImageTag('4.0.3-522')).toBe(true);
    expect(isImageTag('latest')).toBe(true);
    expect(isImageTag('.hidden')).toBe(false);
    expect(isImageTag('a'.repeat(129))).toBe(false);
    expect(isImageTag('4.0.3+build')).toBe(false);
  });

  it('paths stay where they are resolved', () => {
    expect(isPlainRelativePath('metrices/prometheus')).toBe(true);
    expect(isPlainRelativePath('../etc')).toBe(false);
    expect(isPlainRelativePath('/opt/x')).toBe(false);
    expect(isPlainRelativePath('a//b')).toBe(false);
    expect(isPlainRelativePath('kafka 1')).toBe(false);
    expect(isPlainAbsolutePath('/opt/bpa/data')).toBe(true);
    expect(isPlainAbsolutePath('/opt/')).toBe(false);
    expect(isPlainAbsolutePath('opt')).toBe(false);
  });

  it('host names are lowercase DNS names, not IPs or wildcards', () => {
    expect(isDnsHostName('bpa.example.com')).toBe(true);
    expect(isDnsHostName('localhost')).toBe(false);
    expect(isDnsHostName('10.0.0.1')).toBe(false);
    expect(isDnsHostName('*.example.com')).toBe(false);
    expect(isDnsHostName('BPA.example.com')).toBe(false);
  });

  it('BPA versions are semantic versions with an optional build suffix', () => {
    expect(isSemanticVersion('4.0.3-6')).toBe(true);
    expect(isSemanticVersion('4.0')).toBe(false);
    expect(isSemanticVersion('v4.0.3')).toBe(false);
  });

  it('tag text allows Unicode letters and the AWS punctuation only', () => {
    expect(isAwsTagText('cost-center: Zürich 42/a=b+c@d_e.f')).toBe(true);
    expect(isAwsTagText('team#1')).toBe(false);
    expect(isAwsTagText('a,b')).toBe(false);
  });
});
