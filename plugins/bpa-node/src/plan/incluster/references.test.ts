import {
  formatReference,
  listReferences,
  parseReference,
  resolveReferences,
  UnresolvedReferenceError,
} from './references';

const values: Record<string, string> = {
  'secretsmanager:bpa/demo/postgres-auth:password': 'p@ss$&word',
  'cloudformation:demo-network:PodSubnetIds': 'subnet-a, subnet-b,subnet-c',
};
const lookup = (ref: { source: string; name: string; key: string }) =>
  values[`${ref.source}:${ref.name}:${ref.key}`];

describe('references', () => {
  it('replaces each reference by its value, taken literally', () => {
    expect(
      resolveReferences(
        'pw=${secretsmanager:bpa/demo/postgres-auth:password};',
        lookup,
      ),
    ).toBe('pw=p@ss$&word;');
  });

  it('takes one item of a comma-separated value', () => {
    expect(
      resolveReferences(
        '${cloudformation:demo-network:PodSubnetIds[0]} ${cloudformation:demo-network:PodSubnetIds[1]}',
        lookup,
      ),
    ).toBe('subnet-a subnet-b');
    expect(() =>
      resolveReferences(
        '${cloudformation:demo-network:PodSubnetIds[3]}',
        lookup,
      ),
    ).toThrow('has 3 item(s), no item 3');
  });

  it('does not resolve a value that itself looks like a reference', () => {
    const tricky = {
      'secretsmanager:a:b': '${secretsmanager:bpa/demo/postgres-auth:password}',
    };
    expect(
      resolveReferences(
        '${secretsmanager:a:b}',
        ref =>
          tricky[
            `${ref.source}:${ref.name}:${ref.key}` as 'secretsmanager:a:b'
          ],
      ),
    ).toBe('${secretsmanager:bpa/demo/postgres-auth:password}');
  });

  it('leaves documentation and Handlebars-like text alone', () => {
    const text =
      'syntax: ${<source>:<name>:<key>} {{secretsmanager:x:y}} $HOME ${HOME}';
    expect(listReferences(text)).toEqual([]);
    expect(resolveReferences(text, () => 'never')).toBe(text);
  });

  it('fails clearly on an unknown reference, without showing any value', () => {
    const resolve = () => resolveReferences('a=${vault:kv/demo:token}', lookup);
    expect(resolve).toThrow(UnresolvedReferenceError);
    expect(resolve).toThrow(
      'Cannot resolve ${vault:kv/demo:token}: unknown vault value',
    );
    const failing = () =>
      resolveReferences('${secretsmanager:bpa/demo/x:password}', () => {
        throw new Error(
          'ResourceNotFoundException: secret bpa/demo/x not found',
        );
      });
    expect(failing).toThrow(
      'Cannot resolve ${secretsmanager:bpa/demo/x:password}: ResourceNotFoundException: secret bpa/demo/x not found',
    );
  });

  it('lists each reference once, in order', () => {
    expect(
      listReferences(
        '${cloudformation:demo-network:PodSubnetIds[1]} ${secretsmanager:s:k} ${cloudformation:demo-network:PodSubnetIds[0]}',
      ),
    ).toEqual([
      { source: 'cloudformation', name: 'demo-network', key: 'PodSubnetIds' },
      { source: 'secretsmanager', name: 's', key: 'k' },
    ]);
  });

  it('writes and reads references', () => {
    const ref = {
      source: 'stack-secret',
      name: 'demo-data/MasterUserSecretArn',
      key: 'password',
    };
    expect(formatReference(ref)).toBe(
      '${stack-secret:demo-data/MasterUserSecretArn:password}',
    );
    expect(
      parseReference('stack-secret:demo-data/MasterUserSecretArn:password'),
    ).toEqual(ref);
    expect(() =>
      formatReference({
        source: 'secretsmanager',
        name: 'has space',
        key: 'k',
      }),
    ).toThrow('Not a valid reference');
    expect(() => parseReference('literal:admin')).toThrow('Not a reference');
  });
});
