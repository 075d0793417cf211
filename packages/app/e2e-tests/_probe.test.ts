import { test, expect } from '@playwright/test';
test('probe', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByRole('link', { name: 'Create', exact: true }).first()).toBeVisible();
  await page.goto('/catalog/default/system/bpa-demo');
  await page.getByText('AWS region').first().waitFor({ timeout: 60000 });
  const h = page.getByText('BPA environment', { exact: true }).first();
  console.log('TAG', await h.evaluate(e => e.tagName + ' ' + e.getAttribute('class') + ' role=' + e.getAttribute('role')));
  console.log('ANCESTORS', await h.evaluate(e => { const out=[]; let n=e; for (let i=0;i<9&&n;i++){ out.push(n.tagName+'.'+(n.className||'').toString().slice(0,50)); n=n.parentElement;} return out.join(' < '); }));
  const r = page.getByText('us-east-1', { exact: true }).first();
  console.log('REGION', await r.evaluate(e => { const out=[]; let n=e; for (let i=0;i<12&&n;i++){ out.push(n.tagName+'.'+(n.className||'').toString().slice(0,40)); n=n.parentElement;} return out.join(' < '); }));
});
