import { randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import {
  CheckoutSchema,
  DEVICE_HEADER,
  IdempotencyKeySchema,
  PurchaseSchema,
  StartCheckoutSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Env } from '../../env.ts';
import { DomainError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { requireUser } from '../../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../../http/openapi.ts';
import { LOCAL_SIGNATURE_HEADER, type LocalPaymentProvider } from './local.provider.ts';
import {
  handleWebhook,
  localCheckout,
  myPurchases,
  type PaymentProviders,
  startCheckout,
} from './payments.service.ts';

export function purchaseRoutes(db: Database, providers: PaymentProviders, env: Env) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/purchases/checkout',
      tags: ['economy'],
      security: bearerAuth,
      description:
        'Same Idempotency-Key and body: the same purchase and page; another body: 409. An unreachable provider: 503 provider_unavailable.',
      request: {
        ...jsonBody(StartCheckoutSchema),
        headers: z.object({ 'idempotency-key': IdempotencyKeySchema }),
      },
      responses: {
        200: json(CheckoutSchema, 'Checkout started'),
        409: { description: 'Idempotency-Key reused with another body' },
        503: { description: 'Provider not configured or unavailable' },
        ...errors,
      },
    }),
    async (c) => {
      const claims = requireUser(c);
      const installId = c.req.header(DEVICE_HEADER) ?? null;
      return c.json(
        await startCheckout(db, providers, claims, c.req.valid('json'), {
          ip: c.get('ip'),
          returnUrl: env.PUBLIC_URL,
          installId,
          idempotencyKey: c.req.valid('header')['idempotency-key'],
          log: c.get('log'),
        }),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/purchases',
      tags: ['economy'],
      security: bearerAuth,
      responses: {
        200: json(z.object({ items: z.array(PurchaseSchema) }), 'Your coin purchases'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await myPurchases(db, requireUser(c)) }, 200),
  );
  return app;
}

/** POST /webhooks/:provider — raw bytes in, because signatures are computed over them. */
export function webhookRoutes(db: Database, providers: PaymentProviders, log: Logger) {
  const app = new Hono<AppEnv>();
  app.use(
    '*',
    bodyLimit({
      maxSize: 256 * 1024,
      onError: () => {
        throw new DomainError('payload_too_large', 'payload_too_large', 'webhook body too large');
      },
    }),
  );
  app.post('/:provider', async (c) => {
    const rawBody = await c.req.text();
    const result = await handleWebhook(
      db,
      providers,
      c.req.param('provider'),
      { headers: c.req.raw.headers, rawBody, query: c.req.query() },
      log,
    );
    return c.json(result);
  });
  return app;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>body{font-family:system-ui,sans-serif;max-width:420px;margin:40px auto;padding:0 16px;color:#1d1b20}
.card{border:1px solid #ddd;border-radius:14px;padding:20px}button{font-size:16px;padding:12px 18px;border-radius:10px;border:0;margin:6px 6px 0 0;cursor:pointer}
.pay{background:#b3245c;color:#fff}.fail{background:#eee}.muted{color:#666;font-size:14px}</style></head><body>${body}</body></html>`;

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The local provider's hosted checkout (embedded default, no real money): the buyer completes or fails the
 * payment, and the result arrives as a signed webhook through the same verification and crediting path.
 */
export function localCheckoutRoutes(db: Database, providers: PaymentProviders, log: Logger) {
  const app = new Hono<AppEnv>();
  const local = () => providers.get('local') as LocalPaymentProvider;

  app.get('/:id', async (c) => {
    const co = await localCheckout(db, c.req.param('id'));
    const amount = `${(co.amount_minor / 100).toFixed(2)} ${co.currency}`;
    const open = co.status === 'pending';
    return c.html(
      page(
        'İpelya checkout',
        `<div class="card"><h1>İpelya</h1><p><strong>${co.coins} coins</strong> (${esc(co.code)})</p><p>${esc(amount)}</p>
        ${
          open
            ? `<form method="post" action="/checkout/local/${esc(c.req.param('id'))}/complete" style="display:inline"><button class="pay" data-testid="pay">Pay ${esc(amount)}</button></form>
        <form method="post" action="/checkout/local/${esc(c.req.param('id'))}/fail" style="display:inline"><button class="fail" data-testid="fail">Decline</button></form>`
            : `<p data-testid="status">Status: ${esc(co.status)}</p>`
        }
        <p class="muted">Local test payments: no card is charged.</p></div>`,
      ),
    );
  });

  const finish = (outcome: 'complete' | 'fail') => async (c: import('hono').Context<AppEnv>) => {
    const checkoutId = c.req.param('id')!;
    const co = await localCheckout(db, checkoutId);
    if (co.status !== 'pending') {
      // A declined, expired or paid checkout is closed: the page never pays it (and SQL would not credit it).
      return c.html(
        page(
          'İpelya checkout',
          `<div class="card"><h1>İpelya</h1><p data-testid="status">This checkout is closed (${esc(co.status)}).</p></div>`,
        ),
        409,
      );
    }
    const body = JSON.stringify(
      outcome === 'complete'
        ? {
            id: `evt_${randomUUID()}`,
            type: 'payment.succeeded',
            checkout_id: checkoutId,
            payment_id: `pay_local_${randomUUID().replace(/-/g, '')}`,
            amount_minor: co.amount_minor,
            currency: co.currency,
          }
        : {
            id: `evt_${randomUUID()}`,
            type: 'payment.failed',
            checkout_id: checkoutId,
            reason: 'declined by the buyer',
          },
    );
    const headers = new Headers({
      [LOCAL_SIGNATURE_HEADER]: local().sign(body),
      'content-type': 'application/json',
    });
    await handleWebhook(db, providers, 'local', { headers, rawBody: body, query: {} }, log);
    const done =
      outcome === 'complete'
        ? `Payment complete: ${co.coins} coins are in your wallet.`
        : 'Payment declined. Nothing was charged.';
    return c.html(
      page(
        'İpelya checkout',
        `<div class="card"><h1>İpelya</h1><p data-testid="result">${done}</p><p class="muted">You can return to the app.</p></div>`,
      ),
    );
  };
  app.post('/:id/complete', finish('complete'));
  app.post('/:id/fail', finish('fail'));
  return app;
}
