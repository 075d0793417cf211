import {
  GetParameterCommandInput,
  ParameterNotFound,
} from '@aws-sdk/client-ssm';

/** What the simulated SSM says the latest Amazon Linux 2023 AMI is, until a test publishes another. */
export const LATEST_AL2023_AMI = 'ami-0f3c7d07486cad139';

/**
 * AWS Systems Manager's parameters, as `GetParameter` answers for them: the
 * public ones AWS publishes (the latest Amazon Linux 2023 AMI is there from
 * the start) and any a test sets; an unknown name is `ParameterNotFound`.
 */
export class SimulatedSsm {
  private readonly parameters = new Map<string, string>([
    [
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      LATEST_AL2023_AMI,
    ],
  ]);
  private version = 1;

  /** Sets a parameter, as AWS does when it publishes a newer AMI. */
  setParameter(name: string, value: string) {
    this.parameters.set(name, value);
    this.version += 1;
  }

  getParameter(input: GetParameterCommandInput) {
    const value = this.parameters.get(input.Name ?? '');
    if (value === undefined) {
      throw new ParameterNotFound({ $metadata: {}, message: '' });
    }
    return {
      Parameter: {
        Name: input.Name,
        Type: 'String' as const,
        Value: value,
        Version: this.version,
        DataType: 'aws:ec2:image',
      },
    };
  }
}
