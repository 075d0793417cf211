import {
  CreateVpcEndpointCommandInput,
  DeleteVpcEndpointsCommandInput,
  DescribeVpcEndpointsCommandInput,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';

/**
 * EC2's interface VPC endpoints: created (idempotent per ClientToken, as
 * EC2 is) or put there by a test, described with the filters the portal
 * uses, deleted.
 */
export class SimulatedVpcEndpoints {
  readonly endpoints: VpcEndpoint[] = [];
  private readonly byToken = new Map<string, string>();

  add(endpoint: VpcEndpoint) {
    this.endpoints.push(endpoint);
  }

  describeVpcEndpoints({
    Filters = [],
    VpcEndpointIds,
  }: DescribeVpcEndpointsCommandInput) {
    return {
      VpcEndpoints: structuredClone(
        this.endpoints.filter(
          e =>
            (!VpcEndpointIds || VpcEndpointIds.includes(e.VpcEndpointId!)) &&
            Filters.every(f => {
              const values = f.Values ?? [];
              if (f.Name === 'vpc-id') return values.includes(e.VpcId!);
              if (f.Name === 'service-name')
                return values.includes(e.ServiceName!);
              if (f.Name === 'vpc-endpoint-state')
                return values.includes(String(e.State));
              if (f.Name?.startsWith('tag:')) {
                const key = f.Name.slice(4);
                return (e.Tags ?? []).some(
                  t => t.Key === key && values.includes(t.Value!),
                );
              }
              throw new Error(
                `the simulated EC2 does not know filter ${f.Name}`,
              );
            }),
        ),
      ),
    };
  }

  createVpcEndpoint(input: CreateVpcEndpointCommandInput) {
    const again = input.ClientToken && this.byToken.get(input.ClientToken);
    if (again) {
      const endpoint = this.endpoints.find(e => e.VpcEndpointId === again)!;
      return {
        VpcEndpoint: structuredClone(endpoint),
        ClientToken: input.ClientToken,
      };
    }
    const endpoint: VpcEndpoint = {
      VpcEndpointId: `vpce-0${String(this.endpoints.length + 1).padStart(
        16,
        '0',
      )}`,
      VpcEndpointType: input.VpcEndpointType,
      VpcId: input.VpcId,
      ServiceName: input.ServiceName,
      SubnetIds: input.SubnetIds,
      Groups: (input.SecurityGroupIds ?? []).map(GroupId => ({ GroupId })),
      // EC2 answers in lower camel case, whatever the SDK's enum says.
      State: 'pendingAcceptance' as VpcEndpoint['State'],
      Tags: input.TagSpecifications?.[0]?.Tags,
      CreationTimestamp: new Date(),
    };
    this.endpoints.push(endpoint);
    if (input.ClientToken)
      this.byToken.set(input.ClientToken, endpoint.VpcEndpointId!);
    return {
      VpcEndpoint: structuredClone(endpoint),
      ClientToken: input.ClientToken,
    };
  }

  deleteVpcEndpoints({ VpcEndpointIds = [] }: DeleteVpcEndpointsCommandInput) {
    for (const e of this.endpoints) {
      if (VpcEndpointIds.includes(e.VpcEndpointId!))
        e.State = 'deleted' as VpcEndpoint['State'];
    }
    return { Unsuccessful: [] };
  }

  /** Endpoints not deleted. */
  live(): VpcEndpoint[] {
    return this.endpoints.filter(e => String(e.State) !== 'deleted');
  }
}
