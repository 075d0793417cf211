/**
 * What AWS and MongoDB Atlas offer, as last refreshed. Requested versions are
 * checked against these lists; the portal may override them through
 * `bpa.supportedVersions` in app-config (and later steps refresh them from
 * the providers' APIs when credentials are configured).
 *
 * The reference guide's EKS 1.27 and Atlas 5.0 are no longer offered.
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
  kubernetes: ['1.30', '1.31', '1.32', '1.33', '1.34'],
  postgres: [
    '14.15',
    '14.17',
    '15.10',
    '15.12',
    '16.6',
    '16.8',
    '17.2',
    '17.4',
  ],
  mongodb: ['7.0', '8.0'],
  atlasTiers: [
    'M10',
    'M20',
    'M30',
    'M40',
    'M50',
    'M60',
    'M80',
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
    'M40_NVME',
    'M50_NVME',
    'M60_NVME',
    'M80_NVME',
    'M200_NVME',
  ],
};
