import { Entity } from '@backstage/catalog-model';
import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  BPA_REQUEST_ANNOTATION,
  DEFAULT_SUPPORTED_VERSIONS,
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { registeredSystem } from '../__testUtils__/catalog';
import { createDescribeEnvironmentAction } from './describeEnvironment';

const spec = parseEnvironmentSpec({
  ...REFERENCE_SPEC_INPUT,
  atlas: { ...REFERENCE_SPEC_INPUT.atlas, tier: 'M40' },
});

async function describeEnvironment(
  entities: Entity[],
  input: Record<string, string>,
  supportedVersions = DEFAULT_SUPPORTED_VERSIONS,
) {
  const catalog = catalogServiceMock({ entities });
  const getEntityByRef = jest.spyOn(catalog, 'getEntityByRef');
  const action = createDescribeEnvironmentAction({
    catalog,
    supportedVersions,
  });
  const ctx = createMockActionContext({ input });
  await action.handler(ctx as any);
  return {
    outputs: Object.fromEntries((ctx.output as jest.Mock).mock.calls),
    getEntityByRef,
  };
}

describe('bpa:environment:describe', () => {
  let system: Entity;
  beforeAll(async () => {
    system = await registeredSystem(spec);
  });

  it("gives back the request the environment was registered with, read with the initiator's credentials", async () => {
    const { outputs, getEntityByRef } = await describeEnvironment([system], {
      entityRef: 'system:default/bpa-demo',
      confirmation: 'bpa-demo',
    });

    expect(parseEnvironmentSpec(outputs.spec)).toEqual(spec);
    expect(outputs.spec.atlas.tier).toBe('M40');
    expect(outputs.environment).toBe('bpa-demo');
    expect(outputs.state).toBe('applied');
    expect(getEntityByRef).toHaveBeenCalledWith('system:default/bpa-demo', {
      credentials: mockCredentials.user(),
    });
  });

  it('reads an environment whose versions have left the supported lists since', async () => {
    const { outputs } = await describeEnvironment(
      [system],
      { entityRef: 'system:default/bpa-demo' },
      { ...DEFAULT_SUPPORTED_VERSIONS, atlasTiers: ['M30'] },
    );
    expect(outputs.spec.atlas.tier).toBe('M40');
  });

  it.each([
    [
      'a confirmation that is not the name',
      { confirmation: 'bpa-dem' },
      undefined,
      `The confirmation "bpa-dem" is not the environment's name bpa-demo; nothing was changed`,
    ],
    [
      'an environment the portal did not register',
      {},
      (e: Entity) => ({
        ...e,
        metadata: {
          ...e.metadata,
          annotations: { 'bpa.cisco.com/environment': 'bpa-demo' },
        },
      }),
      `system:default/bpa-demo has no ${BPA_REQUEST_ANNOTATION} annotation: the portal did not register this environment's request`,
    ],
    [
      'a request recorded for another environment',
      {},
      (e: Entity) => ({
        ...e,
        metadata: {
          ...e.metadata,
          annotations: {
            ...e.metadata.annotations,
            [BPA_REQUEST_ANNOTATION]: JSON.stringify({
              ...(JSON.parse(
                e.metadata.annotations![BPA_REQUEST_ANNOTATION],
              ) as EnvironmentSpec),
              name: 'bpa-other',
            }),
          },
        },
      }),
      'The request recorded on system:default/bpa-demo is for environment bpa-other, not bpa-demo',
    ],
  ])('refuses %s', async (_what, input, change, message) => {
    await expect(
      describeEnvironment([change ? change(system) : system], {
        entityRef: 'system:default/bpa-demo',
        ...input,
      }),
    ).rejects.toThrow(message);
  });

  it('says so when the System is not in the catalog', async () => {
    await expect(
      describeEnvironment([system], { entityRef: 'system:default/bpa-gone' }),
    ).rejects.toThrow(
      'system:default/bpa-gone is not in the catalog (or you may not read it)',
    );
  });
});
