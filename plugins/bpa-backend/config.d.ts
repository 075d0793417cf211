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
    /** The history card of environments (GET /api/bpa/environments/:namespace/:name/history). */
    history?: {
      /**
       * How many of the scaffolder's most recent tasks are searched for the
       * ones that touched the environment. Default: 500.
       */
      scanTasks?: number;
    };
  };
}
