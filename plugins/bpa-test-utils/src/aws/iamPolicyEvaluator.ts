/**
 * Enough of IAM's policy evaluation to answer the simulator's questions in
 * tests: Allow statements, `*` and `?` wildcards in actions and resources,
 * and the condition operators the portal policy uses (Null, StringEquals,
 * StringLike, ArnLike). A missing context key fails every operator but Null,
 * as in IAM.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocumentJson {
  Version: string;
  Statement: PolicyStatement[];
}

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

const WILDCARDS: Record<string, string> = { '*': '.*', '?': '.' };

function glob(
  pattern: string,
  value: string,
  caseInsensitive = false,
): boolean {
  const source = pattern
    .split('')
    .map(c => WILDCARDS[c] ?? c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
    .join('');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
}

function conditionHolds(
  operator: string,
  key: string,
  expected: string[],
  context: Record<string, string[]>,
): boolean {
  const actual = context[key];
  if (operator === 'Null') {
    const wantsMissing = expected[0] === 'true';
    return wantsMissing ? actual === undefined : actual !== undefined;
  }
  if (!actual) return false;
  const match = {
    StringEquals: (e: string, a: string) => e === a,
    StringLike: (e: string, a: string) => glob(e, a),
    ArnLike: (e: string, a: string) => glob(e, a),
    ArnEquals: (e: string, a: string) => e === a,
  }[operator];
  if (!match)
    throw new Error(
      `The test evaluator does not know the condition operator ${operator}`,
    );
  return actual.some(a => expected.some(e => match(e, a)));
}

/** Whether the policy allows `action` on `resource` with these context values. */
export function policyAllows(
  policy: PolicyDocumentJson,
  action: string,
  resource: string,
  context: Record<string, string[]>,
): boolean {
  const matching = policy.Statement.filter(
    s =>
      list(s.Action).some(a => glob(a, action, true)) &&
      list(s.Resource).some(r => r === '*' || glob(r, resource)) &&
      Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) =>
          conditionHolds(operator, key, list(expected), context),
        ),
      ),
  );
  return (
    matching.some(s => s.Effect === 'Allow') &&
    !matching.some(s => s.Effect === 'Deny')
  );
}
