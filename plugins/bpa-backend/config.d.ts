export interface Config {
  bpa?: {
    /** The live status of environments (GET /api/bpa/environments/:namespace/:name/status). */
    status?: {
      /**
       * Seconds an environment's live status is kept before its sources
       * are read again; 0 reads them on every request. Default: 30.
       */
      cacheSeconds?: number;
      /**
       * Seconds one source (CloudFormation, EKS, Atlas, the cluster's API
       * server) may take before its part of the status reports it as not
       * answering. Default: 20.
       */
      timeoutSeconds?: number;
    };
  };
}
