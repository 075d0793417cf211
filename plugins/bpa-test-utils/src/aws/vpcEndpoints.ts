import {
  DescribeVpcEndpointsCommandInput,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';

/**
 * Interface VPC endpoints of the simulated account, as a test puts them
 * there (bpa:atlas:private-endpoint's own tests simulate their creation);
 * `DescribeVpcEndpoints` filters them by id, VPC, service name and tags as
 * EC2 does.
 */
export class SimulatedVpcEndpoints {
  private readonly endpoints: VpcEndpoint[] = [];

  add(endpoint: VpcEndpoint) {
    this.endpoints.push(endpoint);
  }

  describeVpcEndpoints(input: DescribeVpcEndpointsCommandInput) {
    const value = (endpoint: VpcEndpoint, name: string) => {
      if (name.startsWith('tag:')) {
        return endpoint.Tags?.find(t => t.Key === name.slice(4))?.Value;
      }
      return {
        'vpc-id': endpoint.VpcId,
        'service-name': endpoint.ServiceName,
        'vpc-endpoint-id': endpoint.VpcEndpointId,
        'vpc-endpoint-state': endpoint.State,
      }[name];
    };
    const matching = this.endpoints.filter(
      endpoint =>
        (!input.VpcEndpointIds ||
          input.VpcEndpointIds.includes(endpoint.VpcEndpointId ?? '')) &&
        (input.Filters ?? []).every(filter =>
          (filter.Values ?? []).includes(
            value(endpoint, filter.Name ?? '') ?? '',
          ),
        ),
    );
    return { VpcEndpoints: matching };
  }
}
