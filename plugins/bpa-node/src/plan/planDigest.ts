import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import type { PlanArtifact } from '@internal/backstage-plugin-bpa-common';

/**
 * What `bpa:environment:plan` records of the plan it wrote, in its output:
 * the SHA-256 of every file, and one SHA-256 over them all. The apply steps
 * take it, so what they apply is the previewed plan byte for byte, even
 * when the workspace is gone (a task recovered on another replica, or
 * retried) and they must render the plan again.
 */
export type PlanDigest = {
  /** SHA-256 (hex) over the sorted `<path> <sha256>` lines of the files. */
  sha256: string;
  /** Every file of the plan, by its path in the plan directory, with its SHA-256 (hex). */
  files: Record<string, string>;
};

const sha256 = (text: string) =>
  createHash('sha256').update(text, 'utf8').digest('hex');

function digestOfFiles(files: Record<string, string>): string {
  return sha256(
    Object.keys(files)
      .sort()
      .map(p => `${p} ${files[p]}\n`)
      .join(''),
  );
}

/** The digest of a plan's files. */
export function planDigestOf(
  artifacts: Pick<PlanArtifact, 'path' | 'content'>[],
): PlanDigest {
  const files = Object.fromEntries(
    artifacts.map(a => [a.path, sha256(a.content)]),
  );
  return { sha256: digestOfFiles(files), files };
}

/** The plan about to be applied is not the one previewed; names the files. */
export class PlanChangedError extends Error {
  constructor(message: string, readonly files: string[]) {
    super(message);
    this.name = 'PlanChangedError';
  }
}

/**
 * What differs between a recorded plan and a freshly rendered one: each
 * path, with how it differs.
 */
export function planDifferences(
  recorded: PlanDigest,
  rendered: PlanDigest,
): string[] {
  const paths = [
    ...new Set([
      ...Object.keys(recorded.files),
      ...Object.keys(rendered.files),
    ]),
  ].sort();
  return paths.flatMap(p => {
    if (!(p in rendered.files)) return [`${p} (no longer rendered)`];
    if (!(p in recorded.files)) return [`${p} (not in the previewed plan)`];
    return recorded.files[p] === rendered.files[p] ? [] : [`${p} (differs)`];
  });
}

/**
 * Makes the plan directory hold the recorded plan, or refuses naming every
 * file that is not. Files present must be the recorded bytes (a file
 * changed in the workspace is never overwritten: it is refused). Missing
 * files — all of them when the workspace is new — are rendered again from
 * the request and written, provided the whole rendered plan is the recorded
 * one: a portal whose renderers or configuration changed since the plan
 * step ran is refused rather than applying a plan nobody previewed.
 * Returns the files it wrote.
 */
export async function restorePlan(options: {
  /** Absolute path of the plan directory. */
  planDirectory: string;
  /** How the apply steps' messages name the plan directory (workspace-relative). */
  displayDirectory: string;
  recorded: PlanDigest;
  /** Renders the plan again from the recorded request. */
  render: () => Pick<PlanArtifact, 'path' | 'content'>[];
}): Promise<string[]> {
  const { planDirectory, displayDirectory, recorded } = options;
  if (digestOfFiles(recorded.files) !== recorded.sha256) {
    throw new PlanChangedError(
      `planDigest is not the digest bpa:environment:plan output: its sha256 is not that of its files. Give the apply steps \${{ steps.<plan step>.output.planDigest }}.`,
      [],
    );
  }

  const changed: string[] = [];
  const missing: string[] = [];
  for (const planPath of Object.keys(recorded.files).sort()) {
    let text: string;
    try {
      text = await fs.readFile(
        resolveSafeChildPath(planDirectory, planPath),
        'utf8',
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(planPath);
      continue;
    }
    if (sha256(text) !== recorded.files[planPath]) changed.push(planPath);
  }
  if (changed.length) {
    throw new PlanChangedError(
      `The plan in the workspace is not the one previewed: ${changed
        .map(p => `${displayDirectory}/${p}`)
        .join(', ')} changed after bpa:environment:plan wrote ${
        changed.length === 1 ? 'it' : 'them'
      }. Nothing was applied. Run the template again to review and apply a new plan.`,
      changed,
    );
  }
  if (!missing.length) return [];

  const artifacts = options.render();
  const differences = planDifferences(recorded, planDigestOf(artifacts));
  if (differences.length) {
    throw new PlanChangedError(
      `The workspace has lost the plan (the task was resumed or retried) and this portal renders a different one from the request than the one previewed (plan ${recorded.sha256.slice(
        0,
        12,
      )}): ${differences
        .map(d => `${displayDirectory}/${d}`)
        .join(
          ', ',
        )}. The portal's version or configuration changed since the plan step ran. Nothing was applied. Run the template again to review and apply the new plan.`,
      differences.map(d => d.replace(/ \(.*\)$/, '')),
    );
  }
  const content = new Map(artifacts.map(a => [a.path, a.content]));
  for (const planPath of missing) {
    const target = resolveSafeChildPath(planDirectory, planPath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, content.get(planPath)!, 'utf8');
  }
  return missing;
}
