export interface Config {
  bpa?: {
    status?: {
      /**
       * Seconds an environment's live status is kept before its sources
       * are read again. Default: 30.
       */
      cacheSeconds?: number;
    };
  };
}
