import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { runScaffolderTask } from './scaffolderTask';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { formValues, readTemplate, stepOrderProblems } from './template';

jest.setTimeout(60_000);

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

const TEMPLATE = path.resolve(
  __dirname,
  '../../../../../templates/bpa-environment/template.yaml',
);

/** The template with its steps rewritten, in a file of its own, as the bench would read it. */
function editedTemplate(edit: (steps: any[]) => any[]) {
  const entity = readTemplate(TEMPLATE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-bench-template-'));
  const file = path.join(dir, 'template.yaml');
  fs.writeFileSync(
    file,
    stringify({
      ...entity,
      spec: { ...entity.spec, steps: edit([...entity.spec.steps]) },
    }),
  );
  return { file, cleanup: () => fs.rmSync(dir, { recursive: true }) };
}

/** Runs the template as a task whose actions only record which step called them. */
async function runRecording(
  template: ReturnType<typeof readTemplate>,
  mode: string,
) {
  const ran: string[] = [];
  const actions = [...new Set(template.spec.steps.map(s => s.action))].map(id =>
    createTemplateAction({
      id,
      async handler(ctx) {
        ran.push(ctx.step?.id ?? '?');
      },
    }),
  );
  const task = await runScaffolderTask({
    template,
    actions,
    values: { ...formValues(template, spec), mode },
  });
  return { ...task, ran };
}

describe('the apply bench follows template.yaml', () => {
  it('runs the steps in the order the file gives, so a moved or added step changes the run, and reports the change against the original', async () => {
    const original = readTemplate(TEMPLATE).spec.steps;
    const edited = editedTemplate(steps => {
      const moved = steps.splice(
        steps.findIndex(s => s.id === 'mirror'),
        1,
      )[0];
      steps.splice(steps.findIndex(s => s.id === 'stacksReady') + 1, 0, moved);
      steps.push({
        id: 'added',
        action: 'bpa:catalog:register',
        if: "${{ parameters.mode === 'apply' }}",
      });
      return steps;
    });
    try {
      const template = readTemplate(edited.file);
      const { ran, ...task } = await runRecording(template, 'apply');

      expect(task.status).toBe('completed');
      expect(ran).toEqual(template.spec.steps.map(s => s.id));
      expect(ran.indexOf('mirror')).toBe(ran.indexOf('stacksReady') + 1);
      expect(stepOrderProblems(template.spec.steps, ran, task.skipped)).toEqual(
        [],
      );
      expect(stepOrderProblems(original, ran, task.skipped)).toEqual([
        'step added ran but the template has no such step to run',
      ]);
    } finally {
      edited.cleanup();
    }
  });

  it('leaves out the steps whose if is false, as the scaffolder skips them', async () => {
    const template = readTemplate(TEMPLATE);
    const { ran, ...task } = await runRecording(template, 'plan');

    expect(task.status).toBe('completed');
    expect(ran).toEqual(['plan', 'register']);
    expect(stepOrderProblems(template.spec.steps, ran, task.skipped)).toEqual(
      [],
    );
  });

  it('names the step that did not run, and a reordering', () => {
    const steps = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(stepOrderProblems(steps, ['a', 'c'], [])).toEqual([
      'step b of the template did not run',
    ]);
    expect(stepOrderProblems(steps, ['a', 'c', 'b'], [])).toEqual([
      'the steps ran as a, c, b; the template orders them a, b, c',
    ]);
    expect(stepOrderProblems(steps, ['a', 'c'], ['b'])).toEqual([]);
  });
});
