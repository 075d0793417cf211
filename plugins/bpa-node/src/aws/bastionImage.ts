import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { BASTION_AMI_PARAMETER } from '../plan/cloudformation/network';

/** What the lookup calls: AWS's public parameter, read in the environment's account and region. */
export const BASTION_IMAGE_ACTIONS = ['ssm:GetParameter'];

/**
 * The id of the latest Amazon Linux 2023 AMI in the client's region, from
 * the public SSM parameter AWS keeps current. The plan step calls it once,
 * when a request planned for apply records no bastion AMI; the request then
 * keeps the answer.
 */
export async function latestBastionImageId(ssm: SSMClient): Promise<string> {
  let value: string | undefined;
  try {
    value = (
      await ssm.send(new GetParameterCommand({ Name: BASTION_AMI_PARAMETER }))
    ).Parameter?.Value;
  } catch (error) {
    throw new Error(
      `Looking up the bastion's AMI (SSM GetParameter ${BASTION_AMI_PARAMETER}) failed: ${
        (error as Error).message || (error as Error).name
      }. Allow ssm:GetParameter on it, or set network.bastionImageId`,
    );
  }
  if (!value || !/^ami-[0-9a-f]+$/.test(value)) {
    throw new Error(
      `SSM parameter ${BASTION_AMI_PARAMETER} holds no AMI id (${
        value ?? 'empty'
      })`,
    );
  }
  return value;
}
