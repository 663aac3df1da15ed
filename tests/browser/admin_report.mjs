// Drives GET /admin/report in headless Chromium as an admin would: the sign-in form (a wrong
// token first), the session cookie's flags, paging (50 a page), searching by email, each tenant's
// lead side by side, escaping of hostile values, filtering, dismissing one
// finding, forged requests without the CSRF token, a screenshot, ending every session (a second
// browser's included), signing in again and signing out. Started by
// tests/e2e/admin_report_test.cpp, which prepared the findings and checks the database after.
//   BASE_URL=http://127.0.0.1:PORT ADMIN_TOKEN=... SCREENSHOT=out.png node admin_report.mjs
// Exits 0 when every check held; prints each failed check.
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const token = process.env.ADMIN_TOKEN;
const screenshot = process.env.SCREENSHOT;
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox'],
  headless: true,
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  // Console errors include CSP violations; the 401s this script provokes on purpose are not errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('status of 401')) pageErrors.push(message.text());
  });

  // Not signed in: the sign-in form.
  const first = await page.goto(`${base}/admin/report`);
  check(first.status() === 401, `unsigned visit answers 401 (got ${first.status()})`);
  check(await page.locator('form.signin input[name="token"]').count() === 1, 'the sign-in form is shown');

  // A wrong token is refused and says so.
  await page.fill('input[name="token"]', 'not-the-token');
  await Promise.all([page.waitForLoadState('load'), page.click('form.signin button[type="submit"]')]);
  check((await page.locator('.error').textContent())?.includes('not valid'), 'a wrong token is refused with a message');

  // The right one signs in and lands on the report.
  await page.fill('input[name="token"]', token);
  await Promise.all([page.waitForURL(`${base}/admin/report`), page.click('form.signin button[type="submit"]')]);
  check(await page.locator('h1').textContent() === 'Duplicate-lead report', 'signed in, the report is shown');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'cf_admin');
  check(session && session.httpOnly, 'the session cookie is HttpOnly');
  check(session && session.sameSite === 'Strict', `the session cookie is SameSite=Strict (got ${session?.sameSite})`);
  check(!(await page.evaluate(() => document.cookie)).includes('cf_admin'), 'scripts cannot read the session cookie');

  // 62 open findings, newest first, 50 a page: the next page holds the other 12.
  const rows = page.locator('table.findings tbody tr');
  check(await rows.count() === 50, `the first page lists 50 findings (got ${await rows.count()})`);
  check(await page.locator('#first-page').count() === 0, 'the first page has no First page link');
  await Promise.all([page.waitForLoadState('load'), page.click('#next-page')]);
  check(await rows.count() === 12, `the second page lists the other 12 (got ${await rows.count()})`);
  check(await page.locator('#next-page').count() === 0, 'the last page has no Next page link');
  const secondIds = await rows.evaluateAll((all) => all.map((row) => row.dataset.id));
  await Promise.all([page.waitForLoadState('load'), page.click('#first-page')]);
  const firstIds = await rows.evaluateAll((all) => all.map((row) => row.dataset.id));
  check(new Set([...firstIds, ...secondIds]).size === 62, 'the two pages show 62 different findings');

  // Search by email (any case): the shared contact alone, both tenants' leads side by side,
  // hostile values shown as text, lead UUIDs only in links.
  await page.fill('input[name="email"]', ' SHARED@example.com ');
  await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
  check(new URL(page.url()).searchParams.get('email') !== null, 'the search is in the address');
  check(await rows.count() === 1, `one finding for shared@example.com (got ${await rows.count()})`);
  check(await page.locator('table.findings img').count() === 0, 'a tenant name holding markup creates no element');
  check((await page.locator('table.findings').textContent()).includes('<img src=x onerror=alert(1)>'),
        'the hostile tenant name is shown as text');
  check(await page.locator('.owner.first').count() === 1, 'the tenant that captured first is marked');
  const cards = page.locator('.owner.lead dl');
  check(await cards.count() === 2, `both tenants' leads are shown side by side (got ${await cards.count()})`);
  for (const label of ['name', 'phone', 'ib_type', 'captured', 'tags', 'last activity', 'conversion']) {
    check(await page.locator(`.owner.lead dt:text-is("${label}")`).count() === 2, `each lead shows its ${label}`);
  }
  check((await cards.first().textContent()).includes('form at '), 'the capture says it came from the form');
  const text = await page.locator('table.findings').textContent();
  check(!/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.test(text), 'no lead UUID is shown as text');
  check(await page.locator('.owner.lead a[title^="lead "]').count() === 2, 'each lead UUID is in a link');
  await page.fill('input[name="email"]', '');

  // Filter by kind.
  await page.selectOption('select[name="kind"]', 'unknown_prefix');
  await Promise.all([page.waitForLoadState('load'), page.click('form.filters button[type="submit"]')]);
  check(new URL(page.url()).searchParams.get('kind') === 'unknown_prefix', 'the filter is in the address');
  check(await rows.count() === 1, `one unknown_prefix finding after filtering (got ${await rows.count()})`);
  check(await rows.first().getAttribute('data-kind') === 'unknown_prefix', 'the row shown is the unknown prefix');

  // Dismiss it, as alice, with a note.
  await page.fill('#by', 'alice');
  await rows.first().locator('input[name="note"]').fill('a test prefix');
  await Promise.all([page.waitForEvent('load'), rows.first().locator('button[data-action="dismiss"]').click()]);
  check(await rows.count() === 0, 'after dismissing, no open unknown_prefix finding is left');
  const dismissed = await page.locator('td[data-kind="unknown_prefix"][data-status="dismissed"]').textContent();
  check(dismissed === '1', `the counts show one dismissed unknown_prefix (got ${dismissed})`);

  // A request carrying the cookie but not the CSRF token is refused.
  const forged = await page.evaluate(async () => {
    const answer = await fetch('/admin/findings/1/resolve', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ by: 'mallory' }),
    });
    return answer.status;
  });
  check(forged === 401, `a state change without the CSRF token gets 401 (got ${forged})`);

  await page.goto(`${base}/admin/report?status=all`);
  await page.screenshot({ path: screenshot, fullPage: true });

  // Signing out and ending every session need the CSRF token too: a forged post changes nothing.
  for (const path of ['/admin/session/end', '/admin/session/end-all']) {
    const status = await page.evaluate(async (target) => {
      const answer = await fetch(target, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=',
      });
      return answer.status;
    }, path);
    check(status === 401, `a post to ${path} without the CSRF token gets 401 (got ${status})`);
  }
  await page.reload();
  check(await page.locator('h1').textContent() === 'Duplicate-lead report', 'still signed in after the forged posts');

  // A second browser signs in; "End all sessions" in the first signs both out.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${base}/admin/report`);
  await otherPage.fill('input[name="token"]', token);
  await Promise.all([otherPage.waitForURL(`${base}/admin/report`), otherPage.click('form.signin button[type="submit"]')]);
  check(await otherPage.locator('h1').textContent() === 'Duplicate-lead report', 'a second browser is signed in');
  await Promise.all([page.waitForURL(`${base}/admin/report`), page.click('form[action="/admin/session/end-all"] button')]);
  check(await page.locator('form.signin').count() === 1, 'ending all sessions shows this browser the sign-in form');
  check(!(await context.cookies()).some((c) => c.name === 'cf_admin'), 'this browser has no session cookie left');
  const ended = await otherPage.reload();
  check(ended.status() === 401 && await otherPage.locator('form.signin').count() === 1,
        `the second browser's session has ended too (got ${ended.status()})`);
  await other.close();

  // Signing in again works; "Sign out" then ends this browser's session.
  await page.fill('input[name="token"]', token);
  await Promise.all([page.waitForURL(`${base}/admin/report`), page.click('form.signin button[type="submit"]')]);
  check(await page.locator('h1').textContent() === 'Duplicate-lead report', 'signing in again after ending all sessions works');
  await Promise.all([page.waitForURL(`${base}/admin/report`), page.click('form[action="/admin/session/end"] button')]);
  check(await page.locator('form.signin').count() === 1, 'signing out shows the sign-in form');
  check(!(await context.cookies()).some((c) => c.name === 'cf_admin'), 'signing out clears the session cookie');
  check(pageErrors.length === 0, `no script or CSP errors in the page (${pageErrors.join('; ')})`);
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
