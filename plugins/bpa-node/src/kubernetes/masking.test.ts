import { maskSecrets } from './masking';

describe('maskSecrets', () => {
  it('masks each secret as written, URL-encoded and base64, longest first', () => {
    const secret = 'p@ss/w:rd%1';
    const text = [
      `password=${secret}`,
      `uri=postgresql://admin:${encodeURIComponent(secret)}@db:5432/admin`,
      `data=${Buffer.from(secret).toString('base64')}`,
      `both=${secret}-suffix`,
    ].join('\n');
    expect(maskSecrets(text, [secret, `${secret}-suffix`])).toBe(
      [
        'password=***',
        'uri=postgresql://admin:***@db:5432/admin',
        'data=***',
        'both=***',
      ].join('\n'),
    );
  });

  it('leaves a text without secrets as it is', () => {
    expect(maskSecrets('psql: connected', ['hunter2-long'])).toBe(
      'psql: connected',
    );
  });
});
