import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { renderPlan } from './renderPlan';

describe('the plan summary', () => {
  const { summary } = renderPlan(parseEnvironmentSpec(REFERENCE_SPEC_INPUT));
  const section = (heading: string) => {
    const start = summary.indexOf(`### ${heading}`);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = summary.indexOf('\n#', start + 4);
    return summary.slice(start, end < 0 ? undefined : end);
  };

  it('says which changes replace a node, and that its data volume stays', () => {
    const text = section('What replaces a node');
    for (const cause of [
      'instance type',
      'Kubernetes version',
      'AMI release',
      'cluster.dataMountPath',
      'launch template',
    ]) {
      expect(text).toContain(cause);
    }
    expect(text).toMatch(/data volume .*(kept|re-attached)/);
    expect(text).toMatch(/data directories.*vm\.max_map_count.*DaemonSet/s);
  });
});
