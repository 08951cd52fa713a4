import type { Database } from '@ipelya/db';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AppEnv } from '../../http/context.ts';
import {
  completeIyzicoCheckout,
  IyzicoApiError,
  IyzicoPaymentProvider,
  iyzicoPurchaseLookup,
} from './iyzico.provider.ts';
import { type PaymentProviders, providerOf } from './payments.service.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const page = (body: string) =>
  `<!doctype html><html lang="tr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>İpelya</title><style>body{font-family:system-ui,sans-serif;max-width:420px;margin:40px auto;padding:0 16px;color:#1d1b20}
.card{border:1px solid #ddd;border-radius:14px;padding:20px}.muted{color:#666;font-size:14px}</style></head>
<body><div class="card"><h1>İpelya</h1>${body}<p class="muted">You can return to the app.</p></div></body></html>`;

function message(status: string, coins: number | null) {
  switch (status) {
    case 'succeeded':
      return `Payment complete: ${coins} coins are in your wallet.`;
    case 'failed':
      return 'Payment failed. Nothing was credited.';
    case 'pending':
      return 'Your payment is being confirmed. The coins arrive as soon as Iyzico confirms it.';
    default:
      return 'This payment could not be found.';
  }
}

/**
 * Mounted at /webhooks/iyzico. POST /callback is where Iyzico's hosted page sends the browser (form-encoded
 * `token`); GET /result shows the outcome. Notifications go to POST /webhooks/iyzico (the shared webhook route).
 */
export function iyzicoRoutes(db: Database, providers: PaymentProviders, log: Logger) {
  const provider = providers.get('iyzico');
  // Notifications are settled against the purchase this server recorded, like the callback.
  if (provider instanceof IyzicoPaymentProvider) provider.usePurchaseLookup(iyzicoPurchaseLookup(db));
  const app = new Hono<AppEnv>();

  app.post('/callback', async (c) => {
    providerOf(providers, 'iyzico');
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    if (!token || token.length > 200)
      return c.html(page(`<p data-testid="result">${message('unknown', null)}</p>`), 400);
    try {
      const result = await completeIyzicoCheckout(db, providers, token, log);
      log.info({ token, ...result }, 'iyzico callback');
    } catch (err) {
      // Iyzico unreachable or an answer that failed verification: nothing is credited; the notification retries.
      if (!(err instanceof IyzicoApiError)) throw err;
      log.error({ token, err: err.message }, 'iyzico callback not verified');
    }
    return c.redirect(`/webhooks/iyzico/result?token=${encodeURIComponent(token)}`, 303);
  });

  app.get('/result', async (c) => {
    const token = c.req.query('token') ?? '';
    const row = await db.service('payments:iyzico-result', async (tx) => {
      const { rows } = await tx.query<{ status: string; coins: string }>(
        `select status, coins::text from public.coin_purchases where provider = 'iyzico' and checkout_id = $1`,
        [token],
      );
      return rows[0];
    });
    const text = message(row?.status ?? 'unknown', row ? Number(row.coins) : null);
    return c.html(page(`<p data-testid="result">${esc(text)}</p>`), row ? 200 : 404);
  });
  return app;
}
