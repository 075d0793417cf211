import fs from 'node:fs';
import path from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { renderStackTemplates } from '../plan/cloudformation';
import {
  PolicyDocumentJson,
  VirtualClock,
  recordingLogger,
  simulateAws,
} from '@internal/backstage-plugin-bpa-test-utils';
import { verifyAwsAccess } from './credentialsCheck';
import {
  allPortalActions,
  IMAGE_MIRROR_ACTIONS,
  requiredActions,
  unknownResourceTypes,
} from './permissions';
import { parseTemplateBody, resourceTypes } from './templateBody';

const policy: PolicyDocumentJson = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../docs/iam/portal-policy.json'),
    'utf8',
  ),
);
const templates = renderStackTemplates(
  parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
).map(a => parseTemplateBody(a.content));
const types = templates.flatMap(resourceTypes);

describe('the portal permissions', () => {
  it('know every resource type the plan deploys', () => {
    expect(unknownResourceTypes(types)).toEqual([]);
  });

  it.each(['deploy', 'teardown'] as const)(
    'are all granted by docs/iam/portal-policy.json for a %s, as the credentials check simulates them',
    async operation => {
      const aws = simulateAws({
        clock: new VirtualClock(),
        accountId: '123456789012',
        region: 'us-east-1',
        policy,
      });
      try {
        const actions = requiredActions({
          operation,
          resourceTypes: types,
          replacesStacks: true,
        });
        const access = await verifyAwsAccess({
          clients: {
            target: { accountId: '123456789012', region: 'us-east-1' },
            sts: new STSClient({ region: 'us-east-1' }),
            iam: new IAMClient({ region: 'us-east-1' }),
          },
          environment: 'bpa-demo',
          actions,
          operation,
          logger: recordingLogger(),
        });
        expect(access.permissionsChecked).toBe(true);
      } finally {
        aws.restore();
      }
    },
  );

  it("grants the image mirror's ECR actions, as the credentials check simulates them", async () => {
    const aws = simulateAws({
      clock: new VirtualClock(),
      accountId: '123456789012',
      region: 'us-east-1',
      policy,
    });
    const withoutMirror: PolicyDocumentJson = {
      ...policy,
      Statement: policy.Statement.filter(
        s => s.Sid !== 'MirrorIntoEnvironmentRepositories',
      ),
    };
    const check = async () =>
      verifyAwsAccess({
        clients: {
          target: { accountId: '123456789012', region: 'us-east-1' },
          sts: new STSClient({ region: 'us-east-1' }),
          iam: new IAMClient({ region: 'us-east-1' }),
        },
        environment: 'bpa-demo',
        actions: IMAGE_MIRROR_ACTIONS,
        operation: 'apply',
        logger: recordingLogger(),
      });
    try {
      expect((await check()).permissionsChecked).toBe(true);
    } finally {
      aws.restore();
    }
    const refusing = simulateAws({
      clock: new VirtualClock(),
      accountId: '123456789012',
      region: 'us-east-1',
      policy: withoutMirror,
    });
    try {
      await expect(check()).rejects.toThrow(
        'may not do 8 of the 9 actions the apply needs: ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:CompleteLayerUpload, ecr:DescribeImages, ecr:GetDownloadUrlForLayer, ecr:InitiateLayerUpload, ecr:PutImage, ecr:UploadLayerPart.',
      );
    } finally {
      refusing.restore();
    }
  });

  it('are granted one by one, never by a wildcard over writes', () => {
    const granted = policy.Statement.flatMap(s =>
      Array.isArray(s.Action) ? s.Action : [s.Action],
    );
    expect(
      granted.filter(a => a.includes('*') && !/:Describe\*$/.test(a)),
    ).toEqual([]);
    for (const action of allPortalActions()) {
      expect(
        granted.some(
          g =>
            g === action ||
            (g.endsWith('*') && action.startsWith(g.slice(0, -1))),
        ),
      ).toBe(true);
    }
  });
});
