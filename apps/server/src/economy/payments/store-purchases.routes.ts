import { createRoute } from '@hono/zod-openapi';
import {
  StorePurchaseResultSchema,
  SubmitApplePurchaseSchema,
  SubmitGooglePurchaseSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import type { Logger } from 'pino';
import { z } from 'zod';
import { requireUser } from '../../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../../http/openapi.ts';
import type { PaymentProviders } from './payments.service.ts';
import { submitApplePurchase, submitGooglePurchase } from './store-purchases.service.ts';

/** Store purchases the app reports after StoreKit / Play Billing finished them (webhooks go to /webhooks/:provider). */
export function storePurchaseRoutes(db: Database, providers: PaymentProviders, log: Logger) {
  const app = router();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/purchases/apple',
      tags: ['economy'],
      security: bearerAuth,
      request: jsonBody(SubmitApplePurchaseSchema),
      responses: {
        200: json(StorePurchaseResultSchema, 'Verified and credited (once)'),
        503: { description: 'Apple In-App Purchase not configured' },
        ...errors,
      },
    }),
    async (c) =>
      c.json(await submitApplePurchase(db, providers, requireUser(c), c.req.valid('json'), log), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/purchases/google',
      tags: ['economy'],
      security: bearerAuth,
      request: jsonBody(SubmitGooglePurchaseSchema),
      responses: {
        200: json(
          StorePurchaseResultSchema.extend({ consumed: z.boolean() }),
          'Verified, credited (once) and consumed',
        ),
        503: { description: 'Google Play Billing not configured' },
        ...errors,
      },
    }),
    async (c) =>
      c.json(await submitGooglePurchase(db, providers, requireUser(c), c.req.valid('json'), log), 200),
  );
  return app;
}
