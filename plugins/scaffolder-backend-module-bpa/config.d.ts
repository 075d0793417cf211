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
    /**
     * MongoDB Atlas Admin API access for the Atlas actions. Configure a
     * service account (preferred) or a programmatic API key, with the
     * Project Owner role on the environments' projects.
     */
    atlas?: {
      /** Admin API base URL. Default: https://cloud.mongodb.com (a mock server in tests). */
      baseUrl?: string;
      /** Atlas service account (OAuth 2.0 client credentials). */
      serviceAccount?: {
        /** Client ID, e.g. mdb_sa_id_... */
        clientId: string;
        /**
         * Client secret.
         * @visibility secret
         */
        clientSecret: string;
        /** Token endpoint. Default: https://cloud.mongodb.com/api/oauth/token */
        tokenUrl?: string;
      };
      /**
       * Seconds between two looks at Atlas while a step waits (the cluster,
       * the private endpoint, a teardown), unless the step's
       * pollIntervalSeconds input says otherwise. Default: 30 for the
       * cluster, 15 for the private endpoint and the teardown.
       */
      pollIntervalSeconds?: number;
      /** Legacy programmatic API key (HTTP Digest); used when no service account is set. */
      apiKey?: {
        /** Public key. */
        publicKey: string;
        /**
         * Private key.
         * @visibility secret
         */
        privateKey: string;
      };
    };
    /**
     * The AWS apply (bpa:aws:deploy, bpa:aws:wait, bpa:aws:teardown).
     * Credentials come from the `aws` section (aws.accounts, else the
     * default credential chain).
     */
    aws?: {
      /**
       * Seconds between two looks at a stack's events while waiting.
       * Default: 20.
       */
      pollIntervalSeconds?: number;
      /**
       * The portal backend's egress addresses (its NAT gateways' or
       * proxy's public IPs, as CIDRs). The EKS API server's public endpoint
       * of every environment planned here admits them beside the request's
       * adminCidr (unless the request names its own
       * network.portalEgressCidrs): without them the in-cluster steps and the
       * live status reach the cluster only if the backend's egress is
       * inside adminCidr. Default: none.
       */
      portalEgressCidrs?: string[];
    };
    catalog?: {
      /**
       * Directory where the portal writes environments' entity files before
       * registering them with the catalog (relative to the backend's working
       * directory). Default: `.bpa/environments`.
       */
      entitiesDirectory?: string;
      /**
       * Seconds bpa:catalog:register waits for the catalog to show what it
       * wrote (so the task page's links open at once); 0 does not wait. A
       * slower catalog is logged as a warning, not a failure. Default: 60.
       */
      waitSeconds?: number;
    };
    kubernetes?: {
      /**
       * Path of a kubeconfig file the in-cluster actions use for every
       * environment instead of its EKS cluster (a lab cluster, tests). The
       * file holds credentials: keep it readable by the backend only.
       * Default: connect to the environment's EKS cluster with the AWS
       * credentials of its account.
       */
      kubeconfig?: string;
      /**
       * Seconds between two looks at the cluster while a step waits (node
       * preparation, the database bootstrap Job). Default: 5.
       */
      pollIntervalSeconds?: number;
    };
    helm?: {
      /** Path of the Helm 3 binary bpa:helm:release runs. Default: `helm` on the backend's PATH. */
      binary?: string;
    };
    skopeo?: {
      /** Path of the skopeo binary (1.9 or later) bpa:ecr:mirror runs. Default: `skopeo` on the backend's PATH. */
      binary?: string;
    };
    /** bpa:ecr:mirror: copying the BPA images and chart into the environments' ECR. */
    mirror?: {
      /**
       * Source registries, by host (as in ecr.sourceRegistry, e.g.
       * containers.cisco.com): the login used when the task gives none in
       * its secrets, and how TLS is checked.
       */
      registries?: Array<{
        /** Registry host, with its port if not 443. */
        host: string;
        /** User name, e.g. a robot account. */
        username?: string;
        /**
         * Password or token.
         * @visibility secret
         */
        password?: string;
        /**
         * false: plain HTTP or a certificate not signed by a trusted CA
         * (a private registry on the company network). Default: true.
         */
        tlsVerify?: boolean;
      }>;
    };
  };
}
