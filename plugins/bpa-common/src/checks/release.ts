/** The BPA images in ECR, the Helm release and its ingress. */
import {
  isDnsHostName,
  isDnsLabel,
  isEcrRepositoryName,
  isImageTag,
  isPlainRelativePath,
  isSemanticVersion,
} from '../rules';
import { ECR_REPOSITORY_NAME_MAX, type EnvironmentSpec } from '../spec';
import type { SpecIssue } from '../validate';
import { issue, quoted } from './issue';

const REGISTRY_REFERENCE =
  /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function checkRegistry(ecr: EnvironmentSpec['ecr']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const prefixValid = isEcrRepositoryName(ecr.repositoryPrefix);
  if (!prefixValid) {
    issues.push(
      issue(
        'ecr.repositoryPrefix',
        `${quoted(
          ecr.repositoryPrefix,
        )} is not an ECR repository namespace: lowercase letters and digits, joined by ".", "_", "-" or "/", e.g. bpa`,
      ),
    );
  }
  if (
    ecr.sourceRegistry !== undefined &&
    !REGISTRY_REFERENCE.test(ecr.sourceRegistry)
  ) {
    issues.push(
      issue(
        'ecr.sourceRegistry',
        `${quoted(
          ecr.sourceRegistry,
        )} must be a registry host with optional port and path, without scheme, e.g. registry.example.com/bpa`,
      ),
    );
  }
  if (ecr.archives !== undefined) {
    issues.push(...checkArchives(ecr.archives));
    if (ecr.sourceRegistry !== undefined) {
      issues.push(
        issue(
          'ecr.archives',
          'give either ecr.archives or ecr.sourceRegistry: the images and chart come from one of them',
        ),
      );
    }
  }
  ecr.images.forEach((image, index) => {
    const base = `ecr.images.${index}`;
    if (!isEcrRepositoryName(image.name)) {
      issues.push(
        issue(
          `${base}.name`,
          `${quoted(
            image.name,
          )} is not an ECR repository name: lowercase letters and digits, joined by ".", "_", "-" or "/", e.g. sase-service`,
        ),
      );
    } else if (prefixValid) {
      const repository = `${ecr.repositoryPrefix}/${image.name}`;
      if (repository.length > ECR_REPOSITORY_NAME_MAX) {
        issues.push(
          issue(
            `${base}.name`,
            `makes the repository name ${ecr.repositoryPrefix}/… ${repository.length} characters long; ECR allows ${ECR_REPOSITORY_NAME_MAX}`,
          ),
        );
      }
    }
    if (!isImageTag(image.tag)) {
      issues.push(
        issue(
          `${base}.tag`,
          `${quoted(
            image.tag,
          )} is not an image tag: at most 128 letters, digits, "_", "." or "-", not starting with "." or "-", e.g. 4.0.3-522`,
        ),
      );
    }
    const first = ecr.images.findIndex(other => other.name === image.name);
    if (first < index) {
      issues.push(
        issue(
          `${base}.name`,
          `${quoted(
            image.name,
          )} is also ecr.images.${first}; each image gets one ECR repository`,
        ),
      );
    }
  });
  return issues;
}

/** An S3 bucket name: 3–63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit. */
const S3_LOCATION = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/;

function checkArchives(archives: string): SpecIssue[] {
  const path = 'ecr.archives';
  if (archives.startsWith('s3://')) {
    const match = S3_LOCATION.exec(archives);
    const prefix = match?.[2]?.replace(/^\/|\/$/g, '') ?? '';
    return match && (prefix === '' || isPlainRelativePath(prefix))
      ? []
      : [
          issue(
            path,
            `${quoted(archives)} must be s3://<bucket>[/<prefix>] with a bucket name and a prefix of plain path segments, e.g. s3://bpa-packages/4.0.3-6`,
          ),
        ];
  }
  return isPlainRelativePath(archives)
    ? []
    : [
        issue(
          path,
          `${quoted(archives)} must be s3://<bucket>/<prefix> or a directory inside the template workspace (relative, no ".."), e.g. bpa-package`,
        ),
      ];
}

const HELM_RELEASE_NAME_MAX = 53;
/** Keys whose string values are credentials; they must not travel in a request. */
const SECRET_VALUE_KEY = /(password|passwd|api[-_]?key|private[-_]?key)$/i;

function checkChartReference(chart: string): SpecIssue[] {
  const path = 'bpa.chart';
  if (chart.startsWith('oci://')) {
    return /^oci:\/\/[^\s/@]+\/[^\s@]+$/.test(chart) && !chart.includes('..')
      ? []
      : [
          issue(
            path,
            `${quoted(
              chart,
            )} must be oci://<registry>/<repository>, without credentials, e.g. oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart`,
          ),
        ];
  }
  if (chart.startsWith('http://')) {
    return [
      issue(
        path,
        'must use https:// or oci://: a chart fetched over plain http can be altered on the way',
      ),
    ];
  }
  if (chart.startsWith('https://')) {
    let url: URL | undefined;
    try {
      url = new URL(chart);
    } catch {
      url = undefined;
    }
    if (!url || !url.hostname) {
      return [issue(path, `${quoted(chart)} is not a valid https:// URL`)];
    }
    if (url.username || url.password) {
      return [
        issue(
          path,
          'must not embed credentials in the URL: the request is stored with the task and in the catalog',
        ),
      ];
    }
    return [];
  }
  if (!isPlainRelativePath(chart)) {
    return [
      issue(
        path,
        `${quoted(chart)} must be oci://…, https://… or a path inside the template workspace (relative, no ".."), e.g. charts/bpa-4.0.3-6.tgz`,
      ),
    ];
  }
  return chart.endsWith('.tgz')
    ? []
    : [
        issue(
          path,
          `${quoted(chart)} must be a packaged chart (.tgz, as helm package makes it): the mirror pushes chart archives into ECR`,
        ),
      ];
}

function secretValuePaths(value: unknown, path: string): string[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) =>
      secretValuePaths(item, `${path}.${index}`),
    );
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      typeof item === 'string' && item !== '' && SECRET_VALUE_KEY.test(key)
        ? [`${path}.${key}`]
        : secretValuePaths(item, `${path}.${key}`),
    );
  }
  return [];
}

export function checkBpaRelease(bpa: EnvironmentSpec['bpa']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!isDnsLabel(bpa.namespace)) {
    issues.push(
      issue(
        'bpa.namespace',
        `${quoted(
          bpa.namespace,
        )} is not a Kubernetes namespace name: a DNS-1123 label of at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit, e.g. bpa-ns`,
      ),
    );
  } else if (bpa.namespace.startsWith('kube-')) {
    issues.push(
      issue(
        'bpa.namespace',
        `${bpa.namespace}: namespaces starting with kube- are reserved for Kubernetes itself`,
      ),
    );
  }
  if (!isDnsLabel(bpa.releaseName, HELM_RELEASE_NAME_MAX)) {
    issues.push(
      issue(
        'bpa.releaseName',
        `${quoted(
          bpa.releaseName,
        )} is not a Helm release name: a DNS-1123 label of at most ${HELM_RELEASE_NAME_MAX} lowercase letters, digits and "-" (Helm's limit; the chart prefixes Kubernetes object names with it), e.g. bpa-rel`,
      ),
    );
  }
  if (bpa.chart !== undefined) {
    issues.push(...checkChartReference(bpa.chart));
  }
  if (!isSemanticVersion(bpa.version)) {
    issues.push(
      issue(
        'bpa.version',
        `${quoted(bpa.version)} is not a BPA release version like 4.0.3-6`,
      ),
    );
  }
  for (const path of secretValuePaths(bpa.values, 'bpa.values')) {
    issues.push(
      issue(
        path,
        'looks like a credential: requests are stored with the task and in the catalog, so they carry no secrets; BPA gets its passwords from Secrets Manager through Kubernetes Secrets',
      ),
    );
  }
  return issues;
}

export function checkIngress(ingress: EnvironmentSpec['ingress']): SpecIssue[] {
  if (ingress.hostname === undefined || isDnsHostName(ingress.hostname)) {
    return [];
  }
  return [
    issue(
      'ingress.hostname',
      `${quoted(
        ingress.hostname,
      )} is not a DNS host name like bpa.example.com: two or more lowercase labels of letters, digits and "-", no wildcard, no IP address`,
    ),
  ];
}
