/**
 * Virtual time of the end-to-end runs: every latency is written in
 * simulated minutes and passes in `msPerMinute` real milliseconds, on the
 * one clock every process shares (Date.now()), so stack events, Atlas
 * states and the backends' own timestamps agree. The backends' poll
 * intervals are scaled the same way (their real-world seconds, divided).
 */
export class TimeScale {
  constructor(readonly msPerMinute: number) {}

  /** Real milliseconds of `minutes` simulated minutes. */
  minutes(minutes: number): number {
    return Math.round(minutes * this.msPerMinute);
  }

  /**
   * A real-world poll interval of `seconds`, as the backends should wait
   * it: scaled, but never under a quarter of a second (polling a lab
   * cluster faster only takes CPU from the other processes).
   */
  seconds(seconds: number): number {
    return Math.max((seconds * this.msPerMinute) / 60_000, 0.25);
  }
}

/**
 * How long the resources of an environment take, in simulated minutes: the
 * order of magnitude AWS and Atlas document or users report, for the
 * shape of the run (what waits on what). The whole-apply benchmark names a
 * source for each figure.
 */
export const SIMULATED_MINUTES = {
  stacks: {
    network: 3,
    /** EKS control plane and managed node groups. */
    cluster: 15,
    /** RDS PostgreSQL. */
    data: 10,
    registry: 1,
    edge: 3,
  },
  changeSet: 0.05,
  atlas: {
    /** A dedicated M30: 7 to 15 minutes, the upper end (it then outlasts the network and PrivateLink). */
    cluster: 15,
    clusterDeletion: 5,
    endpointService: 2,
    interfaceEndpoint: 2,
  },
  /** The BPA release's pods becoming ready (helm --wait). */
  rollout: 4,
};
