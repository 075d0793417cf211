/**
 * What AWS and MongoDB Atlas offer, as last refreshed. Requested versions are
 * checked against these lists; the portal may override them through
 * `bpa.supportedVersions` in app-config (and later steps refresh them from
 * the providers' APIs when credentials are configured).
 *
 * The reference guide's EKS 1.27, PostgreSQL 16.3 and Atlas 5.0 are no
 * longer offered.
 */
export interface SupportedVersions {
  /** When these lists were last checked against the providers (ISO date). */
  refreshedAt: string;
  /** Amazon EKS Kubernetes versions in standard or extended support. */
  kubernetes: string[];
  /** Amazon RDS for PostgreSQL engine versions. */
  postgres: string[];
  /** MongoDB Atlas major versions for dedicated clusters. */
  mongodb: string[];
  /** MongoDB Atlas dedicated cluster tiers. */
  atlasTiers: string[];
}

export const DEFAULT_SUPPORTED_VERSIONS: SupportedVersions = {
  refreshedAt: '2026-11-01',
  // Amazon EKS release calendar (EKS User Guide, "Understand the Kubernetes
  // version lifecycle on EKS"): 1.32 (extended support to 2027-03-23), 1.33
  // (to 2027-07-29), 1.34 (standard to 2026-12-02), 1.35 (released
  // 2026-01-28, standard to 2027-03-27) and 1.36, which the user guide
  // names as the newest version during 2026. 1.31 is left out: its extended
  // support ends on 2026-11-26, so a new cluster would be force-upgraded
  // within weeks.
  // Refresh: `aws eks describe-cluster-versions`.
  kubernetes: ['1.32', '1.33', '1.34', '1.35', '1.36'],
  // RDS for PostgreSQL: AWS's May 2026 deprecation notice stopped new
  // instances on 14.14-14.17, 15.9-15.12, 16.5-16.8 and 17.1-17.4 (from
  // 2026-05-01) and names 14.20, 15.15, 16.11 and 17.7 as the supported
  // targets. Later minors appear as RDS adopts the community releases; add
  // them after checking `aws rds describe-db-engine-versions --engine postgres`.
  postgres: ['14.20', '15.15', '16.11', '17.7'],
  // MongoDB lifecycle schedule for Atlas dedicated clusters: 7.0 until
  // 2027-08-31, 8.0 until 2029-10-31 (see MONGODB_END_OF_LIFE for the rest).
  mongodb: ['7.0', '8.0'],
  // Atlas Admin API v2 (shared/atlas/atlas-admin-api-v2.yaml),
  // AWSHardwareSpec20240805.instanceSize, without the `_GEN_2` hardware
  // variants Atlas reports back but does not take as a requested tier.
  atlasTiers: [
    'M10',
    'M20',
    'M30',
    'M40',
    'M50',
    'M60',
    'M80',
    'M100',
    'M140',
    'M200',
    'M300',
    'R40',
    'R50',
    'R60',
    'R80',
    'R200',
    'R300',
    'R400',
    'R700',
    'M40_NVME',
    'M50_NVME',
    'M60_NVME',
    'M80_NVME',
    'M200_NVME',
    'M400_NVME',
  ],
};

/** Atlas dedicated-cluster end-of-life dates of retired MongoDB majors (MongoDB lifecycle schedule). */
export const MONGODB_END_OF_LIFE: Readonly<Record<string, string>> = {
  '4.4': '2024-02-29',
  '5.0': '2024-10-31',
  '6.0': '2025-07-31',
};

/** The versions the reference guide used; named in messages so users recognise them. */
export const REFERENCE_GUIDE_VERSIONS = {
  kubernetes: '1.27',
  postgres: ['16.3', '13.7'],
  mongodb: '5.0',
} as const;

/**
 * The supported lists widened by the versions and tier an existing
 * environment was created with: reading or tearing down an environment must
 * work after its versions have left the lists offered to new requests.
 */
export function supportedVersionsIncluding(
  request: Record<string, unknown>,
  supportedVersions: SupportedVersions = DEFAULT_SUPPORTED_VERSIONS,
): SupportedVersions {
  const at = (section: string, field: string): string[] => {
    const value = (request[section] as Record<string, unknown> | undefined)?.[
      field
    ];
    return typeof value === 'string' ? [value] : [];
  };
  return {
    ...supportedVersions,
    kubernetes: [
      ...supportedVersions.kubernetes,
      ...at('cluster', 'kubernetesVersion'),
    ],
    postgres: [...supportedVersions.postgres, ...at('rds', 'engineVersion')],
    mongodb: [...supportedVersions.mongodb, ...at('atlas', 'mongoDBVersion')],
    atlasTiers: [...supportedVersions.atlasTiers, ...at('atlas', 'tier')],
  };
}
