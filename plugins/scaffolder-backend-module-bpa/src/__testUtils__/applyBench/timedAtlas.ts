import { AtlasApi } from '@internal/backstage-plugin-bpa-node';
import { FakeAtlas } from '../atlas';
import { OTHER_LATENCIES } from './latencies';

/**
 * The simulated Atlas (FakeAtlas) with its resources taking the latency
 * table's times on the bench's clock instead of a number of looks: a
 * cluster is CREATING until atlasCluster has passed since it was created,
 * an endpoint service INITIATING for atlasEndpointService, a registered
 * interface endpoint PENDING_ACCEPTANCE for the AWS interface endpoint and
 * Atlas's acceptance together (the VPC endpoint's own state is not
 * simulated). Until then a look returns the resource as it is, without
 * letting FakeAtlas move it on.
 */
export function timedAtlas(clock: { now(): number }) {
  const fake = new FakeAtlas();
  fake.looksUntilReady = 1;
  const readyAt = new Map<string, number>();
  const due = (key: string) => clock.now() >= (readyAt.get(key) ?? 0);
  const copy = <T>(value: T | undefined) =>
    value === undefined ? undefined : structuredClone(value);

  const api: AtlasApi = Object.create(fake);
  Object.assign(api, {
    async createCluster(groupId, cluster) {
      readyAt.set(
        `cluster/${cluster.name}`,
        clock.now() + OTHER_LATENCIES.atlasCluster.ms,
      );
      return fake.createCluster(groupId, cluster);
    },
    async getCluster(groupId, name) {
      if (due(`cluster/${name}`)) return fake.getCluster(groupId, name);
      fake.calls.push('getCluster');
      return copy(fake.clusters.get(name));
    },
    async createEndpointService(groupId, request) {
      const service = await fake.createEndpointService(groupId, request);
      readyAt.set(
        `service/${service.id}`,
        clock.now() + OTHER_LATENCIES.atlasEndpointService.ms,
      );
      return service;
    },
    async getEndpointService(groupId, id) {
      if (due(`service/${id}`)) return fake.getEndpointService(groupId, id);
      fake.calls.push('getEndpointService');
      return copy(fake.services.get(id));
    },
    async listEndpointServices() {
      if ([...fake.services.keys()].every(id => due(`service/${id}`)))
        return fake.listEndpointServices();
      fake.calls.push('listEndpointServices');
      return [...fake.services.values()].map(s => structuredClone(s));
    },
    async createInterfaceEndpoint(groupId, serviceId, request) {
      readyAt.set(
        `endpoint/${serviceId}/${request.id}`,
        clock.now() +
          OTHER_LATENCIES.awsInterfaceEndpoint.ms +
          OTHER_LATENCIES.atlasEndpointRegistration.ms,
      );
      return fake.createInterfaceEndpoint(groupId, serviceId, request);
    },
    async getInterfaceEndpoint(groupId, serviceId, id) {
      if (due(`endpoint/${serviceId}/${id}`))
        return fake.getInterfaceEndpoint(groupId, serviceId, id);
      fake.calls.push('getInterfaceEndpoint');
      return copy(fake.endpoints.get(`${serviceId}/${id}`));
    },
  } satisfies Partial<AtlasApi>);
  return { api, fake };
}
