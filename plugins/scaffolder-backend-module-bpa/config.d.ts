export interface Config {
  /** BPA environments on Amazon EKS. */
  bpa?: {
    /**
     * Versions and tiers that requests are validated against. Each list
     * replaces the built-in one (refreshed with the product's releases).
     */
    supportedVersions?: {
      /** ISO date the lists were checked against AWS and Atlas. */
      refreshedAt?: string;
      /** Amazon EKS Kubernetes versions, e.g. "1.33". */
      kubernetes?: string[];
      /** Amazon RDS for PostgreSQL engine versions, e.g. "16.8". */
      postgres?: string[];
      /** MongoDB Atlas major versions, e.g. "8.0". */
      mongodb?: string[];
      /** MongoDB Atlas dedicated tiers, e.g. "M30". */
      atlasTiers?: string[];
    };
    catalog?: {
      /**
       * Directory where the portal writes environments' entity files before
       * registering them with the catalog (relative to the backend's working
       * directory). Default: `.bpa/environments`.
       */
      entitiesDirectory?: string;
    };
  };
}
