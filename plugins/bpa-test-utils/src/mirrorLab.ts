import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { SimulatedEcr, simulateEcr } from './aws/ecr';
import { testHelmBinary } from './helmBinary';
import { startTestRegistry, TestRegistry } from './registry';
import {
  pushTestImage,
  TestImageLayout,
  writeTestImageLayout,
} from './testImages';

const run = promisify(execFile);

/** The stand-in for Cisco's BPA chart (plugins/bpa-node/test-charts/bpa-standin). */
export const standinChartDirectory = () =>
  resolvePackagePath(
    '@internal/backstage-plugin-bpa-node',
    'test-charts/bpa-standin',
  );

/** `helm package` of the stand-in chart (or another chart directory) into `dir`; resolves with the archive's path. */
export async function packageStandinChart(
  dir: string,
  chartDirectory: string = standinChartDirectory(),
): Promise<string> {
  const { stdout } = await run(testHelmBinary(), [
    'package',
    chartDirectory,
    '--destination',
    dir,
  ]);
  const archive = /saved it to: (.*\.tgz)/.exec(stdout)?.[1];
  if (!archive) throw new Error(`helm package said: ${stdout}`);
  return archive.trim();
}

/** An image the lab pushed into the source registry. */
export interface LabImage {
  name: string;
  tag: string;
  layout: TestImageLayout;
}

/**
 * Two real registries for the mirror's tests: `source` (Cisco's registry,
 * with its own login) holding test images under `bpa/<name>:<tag>` and the
 * stand-in chart pushed by `helm push` as `bpa/bpa-standin:<version>`, and
 * `ecr` standing in for the environment's ECR registry (user AWS) behind
 * the simulated ECR API (`ecrApi`), whose repositories are `repositories`.
 */
export interface MirrorLab {
  source: TestRegistry;
  ecr: TestRegistry;
  ecrApi: SimulatedEcr;
  images: LabImage[];
  /** `oci://<source>/bpa/bpa-standin`: a request's `bpa.chart`. */
  chart: string;
  chartVersion: string;
  /** The packaged stand-in chart. */
  chartArchive: string;
  /** A scratch directory, removed by stop(). */
  workDir: string;
  /** Builds one more image and pushes it into the source as `bpa/<name>:<tag>`. */
  addImage(
    name: string,
    tag: string,
    options?: { platforms?: string[]; layerBytes?: number },
  ): Promise<LabImage>;
  stop(): Promise<void>;
}

export async function startMirrorLab(options: {
  accountId: string;
  region: string;
  repositories: string[];
  images: Array<{
    name: string;
    tag: string;
    platforms?: string[];
    layerBytes?: number;
  }>;
  /** The chart pushed as `bpa/bpa-standin`: a copy of the stand-in with other values (default: the stand-in). */
  chartDirectory?: string;
}): Promise<MirrorLab> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-mirror-lab-'));
  const [source, ecr] = await Promise.all([
    startTestRegistry({ auth: true }),
    startTestRegistry({ auth: true, username: 'AWS' }),
  ]);
  const ecrApi = simulateEcr({
    registry: ecr,
    accountId: options.accountId,
    region: options.region,
    repositories: options.repositories,
  });
  const stop = async () => {
    ecrApi.restore();
    await Promise.all([source.stop(), ecr.stop()]);
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const addImage = async (
      name: string,
      tag: string,
      imageOptions: { platforms?: string[]; layerBytes?: number } = {},
    ): Promise<LabImage> => {
      const layout = writeTestImageLayout(
        fs.mkdtempSync(path.join(workDir, `${name}-`)),
        { tag, ...imageOptions },
      );
      await pushTestImage(layout, source, `bpa/${name}:${tag}`);
      return { name, tag, layout };
    };
    const images: LabImage[] = [];
    for (const image of options.images) {
      images.push(await addImage(image.name, image.tag, image));
    }
    const chartArchive = await packageStandinChart(
      workDir,
      options.chartDirectory,
    );
    const helmHome = path.join(workDir, 'helm');
    fs.mkdirSync(helmHome);
    fs.writeFileSync(
      path.join(helmHome, 'registry.json'),
      JSON.stringify({
        auths: {
          [source.host]: {
            auth: Buffer.from(`${source.username}:${source.password}`).toString(
              'base64',
            ),
          },
        },
      }),
      { mode: 0o600 },
    );
    await run(
      testHelmBinary(),
      [
        'push',
        chartArchive,
        `oci://${source.host}/bpa`,
        '--plain-http',
        '--registry-config',
        path.join(helmHome, 'registry.json'),
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: helmHome,
          HELM_CONFIG_HOME: helmHome,
          HELM_CACHE_HOME: path.join(helmHome, 'cache'),
        },
      },
    );
    const chartVersion = /version: (\S+)/.exec(
      fs.readFileSync(
        path.join(options.chartDirectory ?? standinChartDirectory(), 'Chart.yaml'),
        'utf8',
      ),
    )![1];
    return {
      source,
      ecr,
      ecrApi,
      images,
      chart: `oci://${source.host}/bpa/bpa-standin`,
      chartVersion,
      chartArchive,
      workDir,
      addImage,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
