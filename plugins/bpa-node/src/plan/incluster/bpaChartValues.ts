/**
 * The BPA chart's value names, in one place. The BPA chart's values are not
 * public: only `ingress_controller.create` comes from Cisco's guide, the
 * other names are this project's assumptions. When the chart at hand names
 * them differently, change them here; environments can also override any
 * value through `spec.bpa.values`, which is merged over these.
 */

/** What the environment tells the BPA chart. */
export interface BpaChartFacts {
  /** Registry and repository prefix every BPA image is pulled from. */
  imageRegistry: string;
  /**
   * Each BPA image as bpa:ecr:mirror put it into ECR, by image name: the
   * full repository and the tag (ECR tags are immutable here, so a tag
   * names one digest).
   */
  images: Record<string, { repository: string; tag: string }>;
  /** `<namespace>/<secret>` of the ingress controller's default TLS certificate. */
  defaultCertificate: string;
  /** Secret holding BPA's `environment.txt`. */
  environmentSecret: string;
  /** Node selector of each node role, by role name (`node-1` -> `{ name: node-1 }`). */
  nodeSelectors: Record<string, Record<string, string>>;
  /** Public host name of BPA's ingress, when the request gives one. */
  hostname?: string;
}

export function bpaChartValues(facts: BpaChartFacts): Record<string, unknown> {
  return {
    global: {
      imageRegistry: facts.imageRegistry,
      images: facts.images,
      environmentSecret: facts.environmentSecret,
      nodeSelectors: facts.nodeSelectors,
      ...(facts.hostname ? { hostname: facts.hostname } : {}),
    },
    ingress_controller: {
      create: true,
      extraArgs: [`--default-ssl-certificate=${facts.defaultCertificate}`],
    },
  };
}
