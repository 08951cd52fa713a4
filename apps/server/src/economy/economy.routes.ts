import { createRoute } from '@hono/zod-openapi';
import {
  CoinPackageSchema,
  CreateTierSchema,
  CursorQuerySchema,
  EarningsSchema,
  IdempotencyKeySchema,
  SpendResultSchema,
  SubscribeSchema,
  SubscriptionSchema,
  TierSchema,
  TipSchema,
  UnlockPostResultSchema,
  WalletSchema,
} from '@ipelya/contracts';
import type { Database } from '@ipelya/db';
import { z } from 'zod';
import { requireUser } from '../http/middleware.ts';
import { bearerAuth, errors, json, jsonBody, router } from '../http/openapi.ts';
import * as economy from './economy.service.ts';

const IdParam = z.object({ id: z.uuid() });
const Idempotent = z.object({ 'idempotency-key': IdempotencyKeySchema });
const spendErrors = {
  ...errors,
  402: json(
    z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
    'Not enough coins, or the wallet is in debt',
  ),
};

export function economyRoutes(db: Database) {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/coin-packages',
      tags: ['economy'],
      responses: {
        200: json(z.object({ items: z.array(CoinPackageSchema) }), 'Coin packages on sale'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await economy.listPackages(db, c.get('claims')) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/wallet',
      tags: ['economy'],
      security: bearerAuth,
      request: { query: CursorQuerySchema },
      responses: { 200: json(WalletSchema, "Balance and the active persona's history"), ...errors },
    }),
    async (c) => c.json(await economy.getWallet(db, requireUser(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/posts/{id}/unlock',
      tags: ['economy'],
      security: bearerAuth,
      request: { params: IdParam, headers: Idempotent },
      responses: {
        200: json(
          UnlockPostResultSchema,
          'Unlocked (a repeat never charges again), with the post as it now reads',
        ),
        ...spendErrors,
      },
    }),
    async (c) =>
      c.json(
        await economy.unlockPost(
          db,
          requireUser(c),
          c.req.valid('param').id,
          c.req.valid('header')['idempotency-key'],
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/messages/{id}/unlock',
      tags: ['economy'],
      security: bearerAuth,
      request: { params: IdParam, headers: Idempotent },
      responses: { 200: json(SpendResultSchema, 'Paid message unlocked'), ...spendErrors },
    }),
    async (c) =>
      c.json(
        await economy.unlockMessage(
          db,
          requireUser(c),
          c.req.valid('param').id,
          c.req.valid('header')['idempotency-key'],
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/tips',
      tags: ['economy'],
      security: bearerAuth,
      request: { headers: Idempotent, ...jsonBody(TipSchema) },
      responses: { 200: json(SpendResultSchema, 'Tip sent'), ...spendErrors },
    }),
    async (c) =>
      c.json(
        await economy.sendTip(
          db,
          requireUser(c),
          c.req.valid('json'),
          c.req.valid('header')['idempotency-key'],
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/subscriptions',
      tags: ['economy'],
      security: bearerAuth,
      request: { headers: Idempotent, ...jsonBody(SubscribeSchema) },
      responses: {
        200: json(
          z.object({ subscription: SubscriptionSchema, replayed: z.boolean(), balance: z.number().int() }),
          'Subscribed (trial or first month charged)',
        ),
        ...spendErrors,
      },
    }),
    async (c) =>
      c.json(
        await economy.subscribe(
          db,
          requireUser(c),
          c.req.valid('json').tier_id,
          c.req.valid('header')['idempotency-key'],
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/subscriptions',
      tags: ['economy'],
      security: bearerAuth,
      responses: {
        200: json(z.object({ items: z.array(SubscriptionSchema) }), 'Your subscriptions'),
        ...errors,
      },
    }),
    async (c) => c.json({ items: await economy.mySubscriptions(db, requireUser(c)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/subscriptions/{id}',
      tags: ['economy'],
      security: bearerAuth,
      description: 'Cancels the subscription to creator {id}; access lasts until the period ends.',
      request: { params: IdParam },
      responses: { 200: json(SubscriptionSchema, 'Will end at the period end'), ...errors },
    }),
    async (c) => c.json(await economy.cancelSubscription(db, requireUser(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/tiers',
      tags: ['economy'],
      security: bearerAuth,
      request: jsonBody(CreateTierSchema),
      responses: { 201: json(TierSchema, 'Tier created'), ...errors },
    }),
    async (c) => c.json(await economy.createTier(db, requireUser(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/creators/{id}/tiers',
      tags: ['economy'],
      request: { params: IdParam },
      responses: { 200: json(z.object({ items: z.array(TierSchema) }), "A creator's tiers"), ...errors },
    }),
    async (c) =>
      c.json({ items: await economy.listTiers(db, c.get('claims'), c.req.valid('param').id) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/earnings',
      tags: ['economy'],
      security: bearerAuth,
      responses: { 200: json(EarningsSchema, "The active persona's earnings"), ...errors },
    }),
    async (c) => c.json(await economy.getEarnings(db, requireUser(c)), 200),
  );
  return app;
}
