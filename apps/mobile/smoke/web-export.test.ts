// Exports the real web build (the same command as `npm run export:web`), serves it on a local port
// and drives it in headless Chromium: the sign-in screen must render, validate, and talk to the
// (intercepted) auth endpoint with the device headers.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromiumStatus, launchChromium } from '@ipelya/testing';
import type { Browser } from 'playwright-core';

const APP_DIR = path.resolve(__dirname, '..');
const SCREENSHOT_DIR = path.join(APP_DIR, 'test-results');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
};

function exportWeb(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cli = require.resolve('expo/bin/cli', { paths: [APP_DIR] });
    const child = spawn(process.execPath, [cli, 'export', '--platform', 'web', '--output-dir', outDir], {
      cwd: APP_DIR,
      env: { ...process.env, CI: '1', EXPO_OFFLINE: '1', EXPO_NO_TELEMETRY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => {
      log += d;
    });
    child.stderr.on('data', (d) => {
      log += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`expo export exited ${code}:\n${log}`)),
    );
  });
}

/** Static server with the single-page fallback `output: "single"` needs. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = path.join(root, urlPath);
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) {
      file = path.join(root, 'index.html');
    }
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const browserCheck = chromiumStatus();

if (!browserCheck.available && browserCheck.required) {
  test('web smoke test needs Chromium', () => {
    throw new Error(browserCheck.skipMessage);
  });
} else if (!browserCheck.available) {
  console.warn(`web smoke test skipped: ${browserCheck.skipMessage}`);
  test.skip('web export renders the sign-in screen in Chromium', () => {});
} else {
  describe('web export', () => {
    let outDir: string;
    let server: Server;
    let browser: Browser;
    let base: string;

    beforeAll(async () => {
      outDir = mkdtempSync(path.join(tmpdir(), 'ipelya-mobile-web-'));
      await exportWeb(outDir);
      server = await serve(outDir);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      browser = await launchChromium();
    }, 300_000);

    afterAll(async () => {
      await browser?.close();
      await new Promise((r) => (server ? server.close(r) : r(undefined)));
      if (outDir) rmSync(outDir, { recursive: true, force: true });
    });

    it('renders the sign-in screen, validates input and sends the code with device headers', async () => {
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 420, height: 820 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      // The API server is not part of this test: answer the OTP call here and record its headers.
      const otpRequests: { headers: Record<string, string>; body: string }[] = [];
      await page.route('**/auth/v1/otp**', async (route) => {
        otpRequests.push({ headers: route.request().headers(), body: route.request().postData() ?? '' });
        await route.fulfill({
          status: 200,
          contentType: 'application/json',
          headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' },
          body: '{}',
        });
      });

      await page.goto(`${base}/`);
      const email = page.getByLabel('Email address');
      await email.waitFor({ timeout: 30_000 });
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      await page.getByText('Sign in with a one-time code.').waitFor();
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-sign-in.png') });

      await email.fill('not-an-email');
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText('Enter a valid email address.').waitFor();
      expect(otpRequests).toHaveLength(0);

      await email.fill('ayse@example.com');
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByText('We sent a 6-digit code to ayse@example.com.').waitFor();
      await page.getByLabel('Verification code').waitFor();
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'web-code-step.png') });

      expect(otpRequests).toHaveLength(1);
      expect(JSON.parse(otpRequests[0]!.body)).toMatchObject({ email: 'ayse@example.com' });
      expect(otpRequests[0]!.headers['x-ipelya-platform']).toBe('web');
      expect(otpRequests[0]!.headers['x-ipelya-device']).toMatch(/^[0-9a-f-]{36}$/);
      expect(errors).toEqual([]);
      await context.close();
    }, 60_000);

    it('speaks Turkish to a Turkish browser', async () => {
      const context = await browser.newContext({ locale: 'tr-TR' });
      const page = await context.newPage();
      await page.goto(`${base}/sign-in`);
      await page.getByLabel('E-posta adresi').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Kod gönder' }).waitFor();
      await context.close();
    }, 60_000);
  });
}
