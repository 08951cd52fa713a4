/**
 * End-to-end: real API server (embedded PGlite) + production build of the web app + headless Chromium.
 * Sign in with an emailed code → account shows the real persona → switch to shadow → creator page.
 * Economy: a fan buys coins through the server's local checkout page and sees the balance; admin pages say
 * "not authorised" to a non-admin; the seeded demo admin creates, edits and archives a coin package;
 * the demo creator sees their earnings, including the fan's post unlock.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumStatus, launchChromium } from '@ipelya/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = resolve(WEB_DIR, '../..');
const NEXT_BIN = join(dirname(createRequire(import.meta.url).resolve('next/package.json')), 'dist/bin/next');

const browserCheck = chromiumStatus();
if (!browserCheck.shouldRun) console.warn(`[web e2e] SKIPPED: ${browserCheck.skipMessage}`);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** Plain variables (Next's typings make NODE_ENV mandatory on ProcessEnv). */
type Env = Record<string, string | undefined>;
type Proc = { name: string; child: ChildProcess; log: string };
const procs: Proc[] = [];

/** Starts a process in its own group (so afterAll can stop it and its children) logging to a file. */
function start(name: string, cmd: string, args: string[], opts: { cwd: string; env: Env }, dir: string) {
  const log = join(dir, `${name}.log`);
  const out = createWriteStream(log);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const proc = { name, child, log };
  procs.push(proc);
  return proc;
}

function signalGroup(proc: Proc, signal: NodeJS.Signals) {
  try {
    process.kill(-proc.child.pid!, signal);
  } catch {
    // the group is already gone
  }
}

/** SIGTERM to the process group we started, SIGKILL if it has not exited after 5 s. */
async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null || !proc.child.pid) return;
  const exited = new Promise<void>((res) => proc.child.once('exit', () => res()));
  signalGroup(proc, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(proc, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function tail(proc: Proc, lines = 40): Promise<string> {
  const text = await readFile(proc.log, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

async function waitFor(url: string, proc: Proc, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(
        `${proc.name} exited with ${proc.child.exitCode} before ${url} answered:\n${await tail(proc)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; ${proc.name} log:\n${await tail(proc)}`);
}

function run(name: string, cmd: string, args: string[], opts: { cwd: string; env: Env }, dir: string) {
  const proc = start(name, cmd, args, opts, dir);
  return new Promise<void>((res, rej) => {
    proc.child.on('exit', async (code) =>
      code === 0 ? res() : rej(new Error(`${name} failed (${code}):\n${await tail(proc, 60)}`)),
    );
  });
}

describe.skipIf(!browserCheck.shouldRun)('web e2e (server + next build + chromium)', () => {
  let tmp = '';
  let api = '';
  let web = '';
  let browser: Browser | undefined;
  let server: Proc;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ipelya-web-e2e-'));
    const [apiPort, webPort] = [await freePort(), await freePort()];
    api = `http://localhost:${apiPort}`;
    web = `http://localhost:${webPort}`;
    // vitest sets NODE_ENV=test, which next build/start refuse to treat as production.
    const { NODE_ENV: _vitestNodeEnv, ...inherited } = process.env;
    const baseEnv: Env = { ...inherited, NEXT_TELEMETRY_DISABLED: '1' };

    server = start(
      'server',
      process.execPath,
      // WEB_E2E_SERVER_ENTRY lets a developer point the e2e at another server build.
      ['--import', 'tsx', process.env.WEB_E2E_SERVER_ENTRY ?? 'apps/server/src/main.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...baseEnv,
          PORT: String(apiPort),
          DATA_DIR: join(tmp, 'data'),
          WEB_URL: web,
          LOG_LEVEL: 'info',
        },
      },
      tmp,
    );
    // NEXT_PUBLIC_* are inlined at build time, so the build must already point at this server.
    const webEnv = { ...baseEnv, NEXT_PUBLIC_API_URL: api, NEXT_PUBLIC_SUPABASE_URL: api };
    // The server must answer before the build: the static landing page lists creators fetched at build time.
    await waitFor(`${api}/api/health`, server, 120_000);
    await run('next-build', process.execPath, [NEXT_BIN, 'build'], { cwd: WEB_DIR, env: webEnv }, tmp);
    const next = start(
      'next-start',
      process.execPath,
      [NEXT_BIN, 'start', '--port', String(webPort)],
      { cwd: WEB_DIR, env: { ...webEnv, PORT: String(webPort) } },
      tmp,
    );
    await waitFor(`${web}/`, next, 60_000);
    browser = await launchChromium();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(procs.map(stop));
    if (tmp && !process.env.KEEP_E2E_TMP) await rm(join(tmp, 'data'), { recursive: true, force: true });
  });

  async function latestCode(to: string): Promise<string> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      // The documented path is /dev/outbox/latest; the auth router may also expose it under /auth/v1.
      for (const path of ['/dev/outbox/latest', '/auth/v1/dev/outbox/latest']) {
        const res = await fetch(`${api}${path}?to=${encodeURIComponent(to)}`);
        if (res.ok) {
          const body = (await res.json()) as { code?: string };
          if (body.code) return body.code;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`no OTP code for ${to} in the dev outbox`);
  }

  /** Signs in through the web form with an emailed code; ends on /account. */
  async function signInByEmail(page: Page, email: string) {
    await page.goto(`${web}/sign-in`);
    await page.getByTestId('email-input').fill(email);
    await page.getByTestId('send-code').click();
    await page.getByTestId('code-sent').waitFor();
    await page.getByTestId('code-input').fill(await latestCode(email));
    await page.getByTestId('verify-code').click();
    await page.waitForURL(`${web}/account`);
  }

  /** The API headers this browser uses: its session token and install id, read from localStorage. */
  async function browserAuthHeaders(page: Page): Promise<Record<string, string>> {
    const { auth, device } = await page.evaluate(() => ({
      auth: localStorage.getItem('ipelya-auth'),
      device: localStorage.getItem('ipelya-install-id'),
    }));
    const token = (JSON.parse(auth ?? '{}') as { access_token?: string }).access_token;
    if (!token || !device) throw new Error('no session in the browser');
    return { authorization: `Bearer ${token}`, 'x-ipelya-device': device, 'x-ipelya-platform': 'web' };
  }

  /** Set by the fan test once the fan has paid for the demo creator's PPV post. */
  let lunaPpvUnlocked = false;

  async function badgePersona(page: Page) {
    return page.getByTestId('active-persona-badge').getAttribute('data-persona');
  }

  it('signs in with an email code, switches persona and opens a creator page', async () => {
    const context = await browser!.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    try {
      // Landing (static, English from Accept-Language) → sign in.
      const landing = await page.goto(`${web}/`);
      expect(landing?.status()).toBe(200);
      await expect(page.getByTestId('landing-title').textContent()).resolves.toBe(
        'Be yourself. Twice, if you like.',
      );
      // Featured creators were fetched from the API when the page was statically generated.
      await page.getByTestId('featured-demo.luna').waitFor();
      await page.screenshot({ path: join(tmp, 'landing-en.png'), fullPage: true });
      await page.getByTestId('landing-cta').click();
      await page.waitForURL(`${web}/sign-in`);

      // Client-side validation before anything is sent.
      await page.getByTestId('email-input').fill('not-an-email');
      await page.getByTestId('send-code').click();
      await expect(page.getByTestId('sign-in-error').textContent()).resolves.toBe(
        'Please enter a valid email address.',
      );

      const email = `e2e-${Date.now()}@example.com`;
      await page.getByTestId('email-input').fill(email);
      await page.getByTestId('send-code').click();
      await page.getByTestId('code-sent').waitFor();
      const code = await latestCode(email);
      expect(code).toMatch(/^\d{6}$/);

      // A wrong code gives a clear message and keeps the user on the page.
      const wrong = code === '000000' ? '111111' : '000000';
      await page.getByTestId('code-input').fill(wrong);
      await page.getByTestId('verify-code').click();
      await expect(page.getByTestId('sign-in-error').textContent()).resolves.toBe(
        'That code is wrong or has expired. Check it or ask for a new one.',
      );

      await page.getByTestId('code-input').fill(code);
      await page.getByTestId('verify-code').click();
      await page.waitForURL(`${web}/account`);

      // Account: the real persona is active and both handles are listed.
      await page.getByTestId('active-persona-badge').waitFor();
      expect(await badgePersona(page)).toBe('real');
      await expect(page.getByTestId('active-persona-badge').textContent()).resolves.toContain('Real persona');
      const realHandle = (await page.getByTestId('persona-real-handle').textContent())!;
      const shadowHandle = (await page.getByTestId('persona-shadow-handle').textContent())!;
      expect(realHandle).toMatch(/^@/);
      expect(shadowHandle).toMatch(/^@/);
      expect(shadowHandle).not.toBe(realHandle);
      await expect(page.getByTestId('active-handle').textContent()).resolves.toBe(realHandle);

      // Switch: the page now shows the shadow persona, and it survives a reload (session was replaced).
      await page.getByTestId('switch-persona').click();
      await page.locator('[data-testid="active-persona-badge"][data-persona="shadow"]').waitFor();
      await expect(page.getByTestId('active-handle').textContent()).resolves.toBe(shadowHandle);
      await expect(page.getByTestId('switch-persona').textContent()).resolves.toBe('Switch to real persona');
      await page.reload();
      await page.getByTestId('active-persona-badge').waitFor();
      expect(await badgePersona(page)).toBe('shadow');
      await page.screenshot({ path: join(tmp, 'account-shadow.png'), fullPage: true });

      // Creator page, server-rendered: the HTML already holds the name and the posts.
      const html = await (await fetch(`${web}/c/demo.luna`, { headers: { 'accept-language': 'en' } })).text();
      expect(html).toContain('data-testid="creator-name"');
      expect(html).toContain('data-testid="post"');
      // Rendered anonymously: the followers-only post is a teaser, its body is not in the HTML.
      expect(html).toContain('data-source="anonymous"');
      expect(html).not.toContain('behind the scenes');

      const res = await page.goto(`${web}/c/demo.luna`);
      expect(res?.status()).toBe(200);
      const name = await page.getByTestId('creator-name').textContent();
      expect(name?.trim().length).toBeGreaterThan(0);
      await expect(page.getByTestId('creator-handle').textContent()).resolves.toContain('@demo.luna');
      expect(await page.getByTestId('post').count()).toBeGreaterThan(0);
      // With a session in the browser the list is fetched again as this viewer.
      await page.locator('[data-testid="post-list"][data-source="viewer"]').waitFor();
      const locked = page.locator('[data-testid="post"][data-locked="true"]');
      for (let i = 0; i < (await locked.count()); i++) {
        // A locked post shows the lock and price/teaser, never a body.
        await expect(locked.nth(i).getByTestId('post-body').count()).resolves.toBe(0);
        await expect(locked.nth(i).getByTestId('post-price').textContent()).resolves.toMatch(/\S/);
      }

      // Not following yet: the followers-only post is still a teaser for this viewer.
      const behindTheScenes = page
        .getByTestId('post-body')
        .filter({ hasText: "Followers-only: behind the scenes of tonight's recording." });
      const followersTeaser = page
        .locator('[data-testid="post"][data-locked="true"]')
        .filter({ hasText: 'For followers only' });
      await followersTeaser.waitFor();
      await expect(behindTheScenes.count()).resolves.toBe(0);

      // Signed in, so the follow button is there and works.
      const follow = page.getByTestId('follow-button');
      await follow.waitFor();
      expect(await follow.getAttribute('data-following')).toBe('false');
      // A marker on window proves the list changes below happen without a reload.
      await page.evaluate(() => {
        (window as unknown as { __sameDocument?: boolean }).__sameDocument = true;
      });
      await follow.click();
      await page.locator('[data-testid="follow-button"][data-following="true"]').waitFor();
      await expect(page.getByTestId('follow-error').count()).resolves.toBe(0);

      // Following unlocks the followers-only post in place; unfollowing locks it again (no reload).
      await behindTheScenes.waitFor();
      await expect(followersTeaser.count()).resolves.toBe(0);
      await follow.click();
      await page.locator('[data-testid="follow-button"][data-following="false"]').waitFor();
      await behindTheScenes.waitFor({ state: 'detached' });
      await followersTeaser.waitFor();
      await expect(followersTeaser.getByTestId('post-body').count()).resolves.toBe(0);
      await expect(
        page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
      ).resolves.toBe(true);

      // Switching language re-renders the same page in Turkish.
      await page.getByTestId('lang-tr').click();
      await page.waitForFunction(() => document.documentElement?.lang === 'tr');
      await expect(page.locator('#posts-title').textContent()).resolves.toBe('Gönderiler');
      await page.screenshot({ path: join(tmp, 'creator-tr.png'), fullPage: true });
      await page.getByTestId('lang-en').click();
      await page.waitForFunction(() => document.documentElement?.lang === 'en');

      // Unknown handle: a real 404 with the translated page.
      const missing = await page.goto(`${web}/c/nobody.here.404`);
      expect(missing?.status()).toBe(404);
      await page.getByTestId('creator-not-found').waitFor();

      await page.goto(`${web}/c/demo.luna`);
      await page.getByTestId('post').first().waitFor();
      await page.screenshot({ path: join(tmp, 'creator-en.png'), fullPage: true });
      console.info(`[web e2e] screenshots in ${tmp}`);
      expect(consoleErrors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: join(tmp, 'failure.png'), fullPage: true }).catch(() => {});
      console.error(
        `[web e2e] failed; screenshot ${join(tmp, 'failure.png')}; server log:\n${await tail(server)}`,
      );
      console.error(`[web e2e] browser console errors:\n${consoleErrors.join('\n')}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 180_000);

  it('signs in with a phone code and signs out again (Turkish browser)', async () => {
    const context = await browser!.newContext({ locale: 'tr-TR', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${web}/sign-in`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Giriş yap');
      await page.getByTestId('method-phone').click();
      const digits = String(Date.now()).slice(-7);
      await page.getByTestId('phone-input').fill(`+90 555 ${digits}`);
      await page.getByTestId('send-code').click();
      await page.getByTestId('code-sent').waitFor();
      await page.getByTestId('code-input').fill(await latestCode(`+90555${digits}`));
      await page.getByTestId('verify-code').click();
      await page.waitForURL(`${web}/account`);
      await page.getByTestId('active-persona-badge').waitFor();
      expect(await badgePersona(page)).toBe('real');
      await expect(page.getByTestId('active-persona-badge').textContent()).resolves.toContain(
        'Gerçek profil',
      );

      await page.getByTestId('sign-out').click();
      await page.waitForURL(`${web}/`);
      await page.getByTestId('nav-sign-in').waitFor();
      // Signed out, the account page sends you to sign in.
      await page.goto(`${web}/account`);
      await page.waitForURL(`${web}/sign-in`);
    } catch (err) {
      await page.screenshot({ path: join(tmp, 'failure-phone.png'), fullPage: true }).catch(() => {});
      console.error(`[web e2e] phone test failed; server log:\n${await tail(server)}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 120_000);
  it('a fan buys coins through the local checkout and sees the balance; admin pages refuse a non-admin', async () => {
    const context = await browser!.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    try {
      await signInByEmail(page, `fan-${Date.now()}@example.com`);
      const balance = page.getByTestId('wallet-balance');
      await balance.waitFor();
      expect(await balance.getAttribute('data-coins')).toBe('0');
      await expect(balance.textContent()).resolves.toBe('0 coins');
      // English browser: packages are priced in dollars (seeded coins_550 = 999 cents).
      const buy = page.getByTestId('buy-coins_550');
      await expect(buy.textContent()).resolves.toBe('550 coins for $9.99');
      // A fan is not a creator: no earnings link.
      await expect(page.getByTestId('earnings-link').count()).resolves.toBe(0);

      await buy.click();
      // The browser leaves the web app for the server's hosted checkout page.
      await page.waitForURL((url) => url.href.startsWith(`${api}/checkout/local/`));
      // The checkout was started in the currency the page priced it in.
      await expect(page.locator('body').textContent()).resolves.toContain('9.99 USD');
      await page.getByTestId('pay').click();
      await expect(page.getByTestId('result').textContent()).resolves.toContain('550 coins');

      // Back in the app, the account page shows the credited balance.
      await page.goto(`${web}/account`);
      await page.locator('[data-testid="wallet-balance"][data-coins="550"]').waitFor();
      await expect(page.getByTestId('wallet-balance').textContent()).resolves.toBe('550 coins');
      await page.screenshot({ path: join(tmp, 'account-wallet.png'), fullPage: true });

      // Spend on the demo creator's pay-per-view post, so the creator test below has an earning to show.
      const headers = await browserAuthHeaders(page);
      const posts = (await (await fetch(`${api}/api/profiles/demo.luna/posts`, { headers })).json()) as {
        items: { id: string; visibility: string; price_coins: number | null }[];
      };
      const ppv = posts.items.find((p) => p.visibility === 'ppv');
      expect(ppv?.price_coins).toBeGreaterThan(0);
      const unlock = await fetch(`${api}/api/posts/${ppv!.id}/unlock`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `e2e-unlock-${Date.now()}` },
      });
      expect(unlock.status).toBe(200);
      lunaPpvUnlocked = true;
      await page.reload();
      await page.locator(`[data-testid="wallet-balance"][data-coins="${550 - ppv!.price_coins!}"]`).waitFor();

      // Not a creator: the earnings page explains and links to the account page.
      await page.goto(`${web}/earnings`);
      await page.getByTestId('earnings-not-creator').waitFor();
      await page.getByTestId('earnings-account-link').click();
      await page.waitForURL(`${web}/account`);

      // Not an admin: the API answers 403 and the page says so.
      await page.goto(`${web}/admin/payouts`);
      await page.getByTestId('admin-forbidden').waitFor();
      await expect(page.getByTestId('admin-forbidden').textContent()).resolves.toContain('Not authorised');
      await expect(page.getByTestId('approve-payout').count()).resolves.toBe(0);
      // The fraud endpoint is newer: a server without it yet answers 404 ("not available"), never a list.
      await page.goto(`${web}/admin/fraud`);
      await page.locator('[data-testid="admin-forbidden"], [data-testid="admin-unavailable"]').waitFor();
      await expect(page.getByTestId('fraud-case').count()).resolves.toBe(0);
      await page.goto(`${web}/admin/coin-packages`);
      await page.getByTestId('admin-forbidden').waitFor();
      await expect(page.getByTestId('admin-forbidden').textContent()).resolves.toContain('Not authorised');
      await expect(page.getByTestId('coin-package').count()).resolves.toBe(0);
      await expect(page.getByTestId('create-package-form').count()).resolves.toBe(0);
      await page.goto(`${web}/admin/reconciliation`);
      await page.getByTestId('admin-forbidden').waitFor();
      await expect(page.getByTestId('reconciliation-item').count()).resolves.toBe(0);
      await expect(page.getByTestId('reconciliation-filter').count()).resolves.toBe(0);
      // No way into the admin area is shown to a non-admin.
      await expect(page.getByTestId('admin-nav').count()).resolves.toBe(0);
      await page.goto(`${web}/account`);
      await page.getByTestId('wallet-balance').waitFor();
      await expect(page.getByTestId('admin-link').count()).resolves.toBe(0);
    } catch (err) {
      await page.screenshot({ path: join(tmp, 'failure-wallet.png'), fullPage: true }).catch(() => {});
      console.error(`[web e2e] wallet test failed; server log:\n${await tail(server)}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 120_000);

  it('the demo admin creates, edits and archives a coin package (English, then Turkish and a phone width)', async () => {
    const context = await browser!.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const code = `e2e_${Date.now()}`;
    const row = () => page.locator(`[data-testid="coin-package"][data-code="${code}"]`);
    try {
      await signInByEmail(page, 'admin@demo.ipelya.local');
      // The account page leads an admin into the admin area; the admin nav leads between its pages.
      await page.getByTestId('admin-link').click();
      await page.waitForURL(`${web}/admin/payouts`);
      await page.getByTestId('admin-nav').waitFor();
      await page.getByTestId('admin-nav-coin-packages').click();
      await page.waitForURL(`${web}/admin/coin-packages`);
      await expect(page.locator('h1').textContent()).resolves.toBe('Coin packages');
      await expect(page.getByTestId('admin-nav-coin-packages').getAttribute('aria-current')).resolves.toBe(
        'page',
      );
      // The seeded packages are listed (archived ones would be too).
      await page.locator('[data-testid="coin-package"][data-code="coins_550"]').waitFor();

      // The form checks with the API's schema before sending: errors sit next to their fields.
      await page.getByTestId('save-package').click();
      await page.getByTestId('field-error-code').waitFor();
      await page.getByTestId('field-error-coins').waitFor();
      await page.getByTestId('field-error-prices').waitFor();

      const form = page.getByTestId('create-package-form');
      await form.getByTestId('package-code-input').fill(code);
      await form.getByTestId('package-coins-input').fill('1234');
      await form.getByTestId('price-amount').nth(0).fill('12.34'); // USD
      await form.getByTestId('price-amount').nth(1).fill('449,99'); // TRY, typed the Turkish way
      await form.getByTestId('package-apple-input').fill(`app.ipelya.${code}`);
      await page.screenshot({ path: join(tmp, 'admin-packages-form-en.png'), fullPage: true });
      await form.getByTestId('save-package').click();
      await row().waitFor();
      await expect(page.getByTestId('admin-packages-notice').textContent()).resolves.toBe(
        `${code} was created.`,
      );
      await expect(row().getByTestId('package-coins').textContent()).resolves.toBe('1,234');
      await expect(row().getByTestId('package-prices').textContent()).resolves.toMatch(
        // One line per currency, alphabetical (jsonb keeps its own key order).
        /^TRY\s449\.99\$12\.34$/,
      );
      await expect(row().getByTestId('package-state').textContent()).resolves.toBe('On sale');
      // The form is empty again after a create.
      await expect(form.getByTestId('package-code-input').inputValue()).resolves.toBe('');

      // Same code again: only the API knows it is taken, and its answer lands next to the code field.
      await form.getByTestId('package-code-input').fill(code);
      await form.getByTestId('package-coins-input').fill('5');
      await form.getByTestId('price-amount').nth(0).fill('1');
      await form.getByTestId('save-package').click();
      await expect(page.getByTestId('field-error-code').textContent()).resolves.toBe(
        'Another package already has this code.',
      );

      // Fans can buy it now.
      const headers = await browserAuthHeaders(page);
      const onSale = async () =>
        (
          (await (await fetch(`${api}/api/coin-packages`, { headers })).json()) as {
            items: { code: string }[];
          }
        ).items;
      expect((await onSale()).map((p) => p.code)).toContain(code);

      // Edit in a dialog: only what changed is sent; the code cannot change.
      await row().getByTestId('edit-package').click();
      const dialog = page.getByTestId('edit-dialog');
      await dialog.waitFor();
      await expect(dialog.getByTestId('package-form-code').inputValue()).resolves.toBe(code);
      // A real modal: the page behind is inert, and focus starts on the first field that can change.
      await expect(dialog.evaluate((d) => d.matches(':modal'))).resolves.toBe(true);
      await expect(
        dialog.getByTestId('package-coins-input').evaluate((el) => el === document.activeElement),
      ).resolves.toBe(true);
      await expect(dialog.getByTestId('price-currency').nth(0).inputValue()).resolves.toBe('TRY');
      await expect(dialog.getByTestId('price-amount').nth(0).inputValue()).resolves.toBe('449.99');
      await expect(dialog.getByTestId('price-amount').nth(1).inputValue()).resolves.toBe('12.34');
      await dialog.getByTestId('package-coins-input').fill('1500');
      await dialog.getByTestId('add-price').click();
      await dialog.getByTestId('price-currency').nth(2).fill('eur');
      await dialog.getByTestId('price-amount').nth(2).fill('11.5');
      await dialog.getByTestId('package-google-input').fill('bad id!');
      await dialog.getByTestId('save-package').click();
      await dialog.getByTestId('field-error-google_product_id').waitFor();
      await expect(dialog.evaluate((d) => d.matches(':modal'))).resolves.toBe(true);
      await page.screenshot({ path: join(tmp, 'admin-packages-edit-en.png') });
      await dialog.getByTestId('package-google-input').fill(code);
      await dialog.getByTestId('save-package').click();
      await dialog.waitFor({ state: 'detached' });
      await expect(row().getByTestId('package-coins').textContent()).resolves.toBe('1,500');
      await expect(row().getByTestId('package-prices').textContent()).resolves.toContain('€11.50');
      await expect(row().getByTestId('package-google').textContent()).resolves.toBe(code);

      // Archive asks first; cancelling changes nothing.
      await row().getByTestId('archive-package').click();
      await page.getByTestId('archive-confirm').waitFor();
      await expect(page.getByTestId('archive-confirm').textContent()).resolves.toContain(
        `Take ${code} off sale?`,
      );
      await page.getByTestId('archive-confirm-no').click();
      await page.getByTestId('archive-confirm').waitFor({ state: 'detached' });
      await expect(row().getAttribute('data-active')).resolves.toBe('true');
      await row().getByTestId('archive-package').click();
      await page.getByTestId('archive-confirm-yes').click();
      await page.locator(`[data-testid="coin-package"][data-code="${code}"][data-active="false"]`).waitFor();
      await expect(row().getByTestId('package-state').textContent()).resolves.toBe('Archived');
      expect((await onSale()).map((p) => p.code)).not.toContain(code);
      // It survives a reload: the list comes from the API, archived packages included.
      await page.reload();
      await page.locator(`[data-testid="coin-package"][data-code="${code}"][data-active="false"]`).waitFor();
      await page.screenshot({ path: join(tmp, 'admin-packages-en.png'), fullPage: true });

      // Turkish: same page, Turkish words and money.
      await page.getByTestId('lang-tr').click();
      await page.waitForFunction(() => document.documentElement?.lang === 'tr');
      await row().waitFor();
      await expect(page.locator('h1').textContent()).resolves.toBe('Jeton paketleri');
      await expect(row().getByTestId('package-state').textContent()).resolves.toBe('Arşivlendi');
      await expect(row().getByTestId('package-prices').textContent()).resolves.toContain('₺449,99');
      await row().getByTestId('reactivate-package').click();
      await page.locator(`[data-testid="coin-package"][data-code="${code}"][data-active="true"]`).waitFor();
      await expect(row().getByTestId('package-state').textContent()).resolves.toBe('Satışta');
      expect((await onSale()).map((p) => p.code)).toContain(code);
      await page.getByTestId('save-package').click();
      await expect(page.getByTestId('field-error-code').textContent()).resolves.toContain('küçük harf');
      await page.screenshot({ path: join(tmp, 'admin-packages-tr.png'), fullPage: true });
      // A phone width: rows become labelled cards, nothing scrolls sideways.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await row().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(tmp, 'admin-packages-tr-mobile.png'), fullPage: true });
      await page.getByTestId('lang-en').click();
      await page.waitForFunction(() => document.documentElement?.lang === 'en');
      await row().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(tmp, 'admin-packages-en-mobile.png'), fullPage: true });
      await row().getByTestId('edit-package').click();
      await page.getByTestId('edit-dialog').waitFor();
      await page.screenshot({ path: join(tmp, 'admin-packages-edit-en-mobile.png') });
      await page.keyboard.press('Escape');
      await page.getByTestId('edit-dialog').waitFor({ state: 'detached' });
      // The reconciliation queue (issue 8 §2) is one click away in the admin nav; the demo has no
      // mismatched payment, so it shows the empty state (or an item, should the seed ever have one).
      await page.getByTestId('admin-nav-reconciliation').click();
      await page.waitForURL(`${web}/admin/reconciliation`);
      await expect(page.getByTestId('admin-nav-reconciliation').getAttribute('aria-current')).resolves.toBe(
        'page',
      );
      await page
        .locator('[data-testid="admin-reconciliation-empty"], [data-testid="reconciliation-item"]')
        .first()
        .waitFor();
      await expect(page.getByTestId('reconciliation-filter-open').getAttribute('aria-pressed')).resolves.toBe(
        'true',
      );
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(tmp, 'admin-reconciliation-en-mobile.png'), fullPage: true });
      await page.getByTestId('reconciliation-filter-resolved').click();
      await expect(
        page.getByTestId('reconciliation-filter-resolved').getAttribute('aria-pressed'),
      ).resolves.toBe('true');
      await page
        .locator('[data-testid="admin-reconciliation-empty"], [data-testid="reconciliation-item"]')
        .first()
        .waitFor();
    } catch (err) {
      await page.screenshot({ path: join(tmp, 'failure-admin.png'), fullPage: true }).catch(() => {});
      console.error(`[web e2e] admin test failed; server log:\n${await tail(server)}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 180_000);

  it('the demo creator sees balances, the 30-day chart and history on /earnings', async () => {
    const context = await browser!.newContext({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    try {
      await signInByEmail(page, 'luna@demo.ipelya.local');
      await page.getByTestId('earnings-link').click();
      await page.waitForURL(`${web}/earnings`);
      await page.getByTestId('earnings').waitFor();
      for (const id of ['pending', 'available', 'in-payout']) {
        const coins = await page.getByTestId(`balance-${id}`).getAttribute('data-coins');
        expect(Number(coins)).toBeGreaterThanOrEqual(0);
        await expect(page.getByTestId(`balance-${id}`).textContent()).resolves.toMatch(/\d+ coins/);
      }
      await expect(page.getByTestId('earnings-bar').count()).resolves.toBe(30);
      // Payouts: a list or the empty state (also shown when this server has no payouts endpoint).
      await page.locator('[data-testid="payout-list"], [data-testid="payouts-empty"]').waitFor();
      if (lunaPpvUnlocked) {
        // The fan's unlock is held as pending, listed in the history and drawn on today's bar.
        expect(Number(await page.getByTestId('balance-pending').getAttribute('data-coins'))).toBeGreaterThan(
          0,
        );
        expect(
          await page.locator('[data-testid="earning-row"][data-kind="ppv_unlock"]').count(),
        ).toBeGreaterThan(0);
        const today = new Date().toISOString().slice(0, 10);
        const bar = page.locator(`[data-testid="earnings-bar"][data-date="${today}"]`);
        expect(Number(await bar.getAttribute('data-amount'))).toBeGreaterThan(0);
        expect(Number(await page.getByTestId('earnings-chart').getAttribute('data-total'))).toBeGreaterThan(
          0,
        );
      }
      await page.screenshot({ path: join(tmp, 'earnings-en.png'), fullPage: true });
      await page.getByTestId('lang-tr').click();
      await page.waitForFunction(() => document.documentElement?.lang === 'tr');
      await page.getByTestId('earnings').waitFor();
      await expect(page.locator('h1').textContent()).resolves.toBe('Kazançlar');
      await expect(page.getByTestId('balance-pending').textContent()).resolves.toContain('Beklemede');
      await page.screenshot({ path: join(tmp, 'earnings-tr.png'), fullPage: true });
    } catch (err) {
      await page.screenshot({ path: join(tmp, 'failure-earnings.png'), fullPage: true }).catch(() => {});
      console.error(`[web e2e] earnings test failed; server log:\n${await tail(server)}`);
      throw err;
    } finally {
      await context.close();
    }
  }, 120_000);
});
