import fs from 'node:fs';
import { parseAllDocuments } from 'yaml';
import {
  EnvironmentSpec,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { fakeNode } from '@internal/backstage-plugin-bpa-test-utils';
import { renderDatabaseBootstrapSql } from './bootstrapSql';
import { renderKubernetesManifests } from './kubernetesManifests';
import { renderNodePreparationScript } from './nodePreparation';
import { parseReference, resolveReferences } from './references';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = any;

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

function objectsOf(s: EnvironmentSpec): Obj[] {
  return renderKubernetesManifests(s).flatMap(artifact =>
    parseAllDocuments(artifact.content).map(doc => {
      expect(doc.errors).toEqual([]);
      return doc.toJS();
    }),
  );
}

const find = (
  objects: Obj[],
  kind: string,
  name: string,
  namespace?: string,
) => {
  const found = objects.filter(
    o =>
      o.kind === kind &&
      o.metadata.name === name &&
      (namespace === undefined || o.metadata.namespace === namespace),
  );
  expect(found).toHaveLength(1);
  return found[0];
};

describe('renderKubernetesManifests', () => {
  const artifacts = renderKubernetesManifests(spec);
  const objects = objectsOf(spec);

  it('writes numbered manifest files, in apply order', () => {
    expect(artifacts.map(a => [a.path, a.kind])).toEqual([
      ['kubernetes/00-namespaces.yaml', 'kubernetes'],
      ['kubernetes/10-eni-configs.yaml', 'kubernetes'],
      ['kubernetes/15-storage-class.yaml', 'kubernetes'],
      ['kubernetes/20-node-preparation.yaml', 'kubernetes'],
      ['kubernetes/30-secrets.yaml', 'kubernetes'],
      ['kubernetes/40-database-bootstrap.yaml', 'kubernetes'],
    ]);
  });

  it('holds only well-formed objects, each labelled with its environment', () => {
    for (const o of objects) {
      expect(o).toEqual(
        expect.objectContaining({
          apiVersion: expect.any(String),
          kind: expect.any(String),
          metadata: expect.objectContaining({
            name: expect.stringMatching(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/),
            labels: expect.objectContaining({
              'bpa.cisco.com/environment': 'bpa-demo',
            }),
          }),
        }),
      );
    }
    const namespaces = objects
      .filter(o => o.kind === 'Namespace')
      .map(o => o.metadata.name);
    expect(namespaces).toContain('bpa-ns');
    for (const o of objects.filter(x => x.metadata.namespace)) {
      expect(namespaces).toContain(o.metadata.namespace);
    }
  });

  it('makes encrypted gp3 volumes of the EBS CSI driver the default for claims, kept when a claim goes', () => {
    const classes = objects.filter(o => o.kind === 'StorageClass');
    expect(classes).toEqual([
      expect.objectContaining({
        apiVersion: 'storage.k8s.io/v1',
        metadata: expect.objectContaining({
          name: 'gp3',
          annotations: {
            'storageclass.kubernetes.io/is-default-class': 'true',
          },
        }),
        provisioner: 'ebs.csi.aws.com',
        parameters: { type: 'gp3', encrypted: 'true' },
        reclaimPolicy: 'Retain',
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
      }),
    ]);
  });

  it('routes pods to the pod subnets with one ENIConfig per zone, filled from the network stack', () => {
    const eniConfigs = objects.filter(o => o.kind === 'ENIConfig');
    expect(eniConfigs.map(o => [o.apiVersion, o.metadata.name])).toEqual([
      ['crd.k8s.amazonaws.com/v1alpha1', 'us-east-1a'],
      ['crd.k8s.amazonaws.com/v1alpha1', 'us-east-1b'],
      ['crd.k8s.amazonaws.com/v1alpha1', 'us-east-1c'],
    ]);
    const file = artifacts.find(
      a => a.path === 'kubernetes/10-eni-configs.yaml',
    )!;
    expect(file.content.split('\n')[0]).toMatch(/^# /);
    expect(file.content).toContain('${<source>:<name>:<key>}');

    const outputs: Record<string, string> = {
      'bpa-demo-network:PodSubnetIds': 'subnet-pod-a,subnet-pod-b,subnet-pod-c',
      'bpa-demo-network:NodeSecurityGroupId': 'sg-nodes',
      'bpa-demo-cluster:ClusterSecurityGroupId': 'sg-cluster',
    };
    const resolved = parseAllDocuments(
      resolveReferences(file.content, ref =>
        ref.source === 'cloudformation'
          ? outputs[`${ref.name}:${ref.key}`]
          : undefined,
      ),
    ).map(doc => doc.toJS());
    expect(resolved.map(o => [o.metadata.name, o.spec])).toEqual([
      [
        'us-east-1a',
        { subnet: 'subnet-pod-a', securityGroups: ['sg-cluster', 'sg-nodes'] },
      ],
      [
        'us-east-1b',
        { subnet: 'subnet-pod-b', securityGroups: ['sg-cluster', 'sg-nodes'] },
      ],
      [
        'us-east-1c',
        { subnet: 'subnet-pod-c', securityGroups: ['sg-cluster', 'sg-nodes'] },
      ],
    ]);
  });

  describe('node preparation', () => {
    const daemonSets = objects.filter(o => o.kind === 'DaemonSet');
    const scriptOf = (all: Obj[], daemonSet: Obj) => {
      const volume = daemonSet.spec.template.spec.volumes.find(
        (v: Obj) => v.configMap,
      );
      const configMap = find(
        all,
        'ConfigMap',
        volume.configMap.name,
        daemonSet.metadata.namespace,
      );
      const [item] = volume.configMap.items;
      return configMap.data[item.key] as string;
    };

    it("runs one DaemonSet per node role, on that role's nodes only", () => {
      expect(daemonSets.map(d => d.spec.template.spec.nodeSelector)).toEqual([
        { name: 'node-1' },
        { name: 'node-2' },
        { name: 'node-3' },
        { name: 'node-4' },
      ]);
      // Each selects its own pods only: overlapping selectors would fight over pods.
      for (const d of daemonSets) {
        expect(d.spec.template.metadata.labels).toEqual(
          expect.objectContaining(d.spec.selector.matchLabels),
        );
      }
      expect(
        new Set(
          daemonSets.map(d => JSON.stringify(d.spec.selector.matchLabels)),
        ).size,
      ).toBe(4);
    });

    it("runs exactly the plan's node script, privileged, on the host's data root", () => {
      const scripts = renderNodePreparationScript(spec);
      daemonSets.forEach((d, i) => {
        expect(scriptOf(objects, d)).toBe(scripts[i].content);
        const [init] = d.spec.template.spec.initContainers;
        expect(init.image).toMatch(
          /^public\.ecr\.aws\/docker\/library\/busybox:\d/,
        );
        expect(init.securityContext.privileged).toBe(true);
        const hostVolume = d.spec.template.spec.volumes.find(
          (v: Obj) => v.hostPath,
        );
        expect(hostVolume.hostPath.path).toBe('/opt/bpa/data');
        expect(init.volumeMounts).toContainEqual({
          name: hostVolume.name,
          mountPath: '/opt/bpa/data',
        });
      });
    });

    it("creates exactly each node's directories from DESIGN.md, and reports Ready once done", async () => {
      const node = fakeNode();
      try {
        const dataRoot = `${node.mountPath}/bpa/data`;
        const onFakeNode = parseEnvironmentSpec({
          ...REFERENCE_SPEC_INPUT,
          cluster: { dataMountPath: node.mountPath, dataRoot },
        });
        const all = objectsOf(onFakeNode);
        const expected: Record<string, string[]> = {
          'node-1': ['zookeeper1', 'zookeeper4', 'zookeeper5', 'kafka1'],
          'node-2': ['zookeeper2', 'zookeeper4', 'zookeeper5', 'kafka2'],
          'node-3': ['zookeeper3', 'zookeeper4', 'zookeeper5', 'kafka3'],
          'node-4': [
            'elk',
            'metrices',
            'metrices/prometheus',
            'metrices/grafana',
          ],
        };
        for (const d of all.filter(o => o.kind === 'DaemonSet')) {
          const role = d.spec.template.spec.nodeSelector.name;
          const run = await node.run(scriptOf(all, d), dataRoot, 65530);
          expect({ role, code: run.code }).toEqual({ role, code: 0 });
          expect(Object.keys(run.directories).sort()).toEqual(
            [...expected[role]].sort(),
          );
          expect(run.sysctlWrites).toEqual(['-w vm.max_map_count=262144']);
          expect(run.markerCreated).toBe(true);

          // Ready means: the marker the init container's script wrote exists.
          const [init] = d.spec.template.spec.initContainers;
          const marker = init.env.find(
            (e: Obj) => e.name === 'PREPARED_MARKER',
          ).value;
          const [main] = d.spec.template.spec.containers;
          expect(main.readinessProbe.exec.command).toEqual([
            'test',
            '-f',
            marker,
          ]);
          fs.rmSync(dataRoot, { recursive: true, force: true });
        }
      } finally {
        node.remove();
      }
    });
  });

  describe('Secrets', () => {
    const secrets = objects.filter(o => o.kind === 'Secret');
    const sourcesOf = (secret: Obj) =>
      JSON.parse(secret.metadata.annotations['bpa.cisco.com/value-sources']);

    it('carry no values, only the keys and where each value comes from', () => {
      expect(secrets.length).toBeGreaterThanOrEqual(5);
      for (const secret of secrets) {
        expect(secret.data).toBeUndefined();
        const keys = Object.keys(secret.stringData);
        expect(Object.values(secret.stringData).every(v => v === '')).toBe(
          true,
        );
        expect(Object.keys(sourcesOf(secret))).toEqual(keys);
      }
    });

    it('give BPA its environment file and bindings in its namespace', () => {
      const keysOf = (name: string) =>
        Object.keys(find(objects, 'Secret', name, 'bpa-ns').stringData);
      expect(keysOf('bpa-environment')).toEqual(['environment.txt']);
      expect(keysOf('bpa-binding-postgres')).toEqual([
        'host',
        'port',
        'database',
        'username',
        'password',
        'uri',
      ]);
      expect(keysOf('bpa-binding-mongodb')).toEqual([
        'connectionString',
        'username',
        'password',
      ]);
      expect(
        find(objects, 'Secret', 'bpa-certificate-ingress', 'bpa-ns'),
      ).toMatchObject({
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': '', 'tls.key': '' },
      });
    });

    it('name their secret sources in a form the apply step can read', () => {
      const postgres = sourcesOf(
        find(objects, 'Secret', 'bpa-binding-postgres', 'bpa-ns'),
      );
      expect(parseReference(postgres.password)).toEqual({
        source: 'secretsmanager',
        name: 'bpa/bpa-demo/postgres-root',
        key: 'password',
      });
      expect(parseReference(postgres.host)).toEqual({
        source: 'cloudformation',
        name: 'bpa-demo-data',
        key: 'EndpointAddress',
      });
      expect(postgres.username).toBe('literal:admin');
      const mongo = sourcesOf(
        find(objects, 'Secret', 'bpa-binding-mongodb', 'bpa-ns'),
      );
      expect(parseReference(mongo.password).name).toBe('bpa/bpa-demo/mongodb');
    });
  });

  describe('database bootstrap Job', () => {
    const job = objects.find(o => o.kind === 'Job');
    const pod = job.spec.template.spec;
    const [container] = pod.containers;

    it("runs psql with the plan's bootstrap.sql, byte for byte", () => {
      const sqlVolume = pod.volumes.find((v: Obj) => v.configMap);
      const configMap = find(
        objects,
        'ConfigMap',
        sqlVolume.configMap.name,
        job.metadata.namespace,
      );
      expect(configMap.data['bootstrap.sql']).toBe(
        renderDatabaseBootstrapSql(spec).content,
      );

      const mount = container.volumeMounts.find(
        (m: Obj) => m.name === sqlVolume.name,
      );
      const command = container.command.join(' ');
      expect(command).toContain('psql -v ON_ERROR_STOP=1');
      expect(command).toContain(`-f ${mount.mountPath}/bootstrap.sql`);
      expect(container.image).toBe(
        'public.ecr.aws/docker/library/postgres:16-alpine',
      );
    });

    it('retries twice, cleans up after itself, and runs unprivileged', () => {
      expect(job.spec.backoffLimit).toBe(2);
      expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    });

    it('takes the master credentials and every password from a Secret that has them', () => {
      const fromSecret = Object.fromEntries(
        container.env
          .filter((e: Obj) => e.valueFrom)
          .map((e: Obj) => [e.name, e.valueFrom.secretKeyRef]),
      );
      for (const name of [
        'PGPASSWORD',
        'ADMIN_PASSWORD',
        'KONG_PASSWORD',
        'CAMUNDA_PASSWORD',
        'PGUSER',
        'PGHOST',
      ]) {
        const ref = fromSecret[name];
        expect({ name, key: ref?.key }).toEqual({
          name,
          key: expect.any(String),
        });
        const secret = find(
          objects,
          'Secret',
          ref.name,
          job.metadata.namespace,
        );
        expect(Object.keys(secret.stringData)).toContain(ref.key);
      }
      const command = container.command.join(' ');
      expect(command).toContain('-v admin_password="$ADMIN_PASSWORD"');
      expect(command).toContain('-v kong_password="$KONG_PASSWORD"');
      expect(command).toContain('-v camunda_password="$CAMUNDA_PASSWORD"');
      expect(container.env).toContainEqual({
        name: 'PGSSLMODE',
        value: 'require',
      });

      const sources = JSON.parse(
        find(objects, 'Secret', fromSecret.PGPASSWORD.name).metadata
          .annotations['bpa.cisco.com/value-sources'],
      );
      expect(sources[fromSecret.PGUSER.key]).toBe('literal:bpa_master');
      expect(parseReference(sources[fromSecret.PGPASSWORD.key])).toEqual({
        source: 'stack-secret',
        name: 'bpa-demo-data/MasterUserSecretArn',
        key: 'password',
      });
    });

    it('is a new Job when the SQL changes, the same one otherwise', () => {
      const jobName = (s: EnvironmentSpec) =>
        objectsOf(s).find(o => o.kind === 'Job').metadata.name;
      expect(jobName(parseEnvironmentSpec(REFERENCE_SPEC_INPUT))).toBe(
        job.metadata.name,
      );
      const renamed = parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        rds: { auth: { database: 'kong', user: 'kong_user' } },
      });
      expect(jobName(renamed)).not.toBe(job.metadata.name);
    });
  });

  it('is the same bytes for the same request', () => {
    expect(
      renderKubernetesManifests(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ).toEqual(artifacts);
  });
});
