import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  type TestServer,
  type TestUser,
} from '../../test/harness.ts';

describe.each(dbTargets())('admin coin packages (%s)', (target) => {
  let server: TestServer;
  let admin: TestUser;
  let fan: TestUser;
  const pkg = (over: Record<string, unknown> = {}) => ({
    code: `coins_${Math.random().toString(36).slice(2, 8)}`,
    coins: 300,
    prices: { USD: 499, TRY: 17999 },
    apple_product_id: null,
    ...over,
  });

  beforeAll(async () => {
    server = await startTestServer(target);
    admin = await signIn(server);
    fan = await signIn(server);
    await server.db.service('test:admin', (tx) =>
      tx.query('update accounts set is_admin = true where user_id = $1', [admin.userId]),
    );
  });
  afterAll(() => server?.dispose());

  it('tells each account through /api/me whether it is an admin (the web shows the admin link from it)', async () => {
    expect((await call(server, 'GET', '/api/me', admin.accessToken())).json.is_admin).toBe(true);
    expect((await call(server, 'GET', '/api/me', fan.accessToken())).json.is_admin).toBe(false);
  });

  it('lets only admins list, create, change and archive packages', async () => {
    const created = await call(server, 'POST', '/api/admin/coin-packages', fan.accessToken(), pkg());
    expect(created.status).toBe(403);
    expect(created.json.error.code).toBe('forbidden');
    expect((await call(server, 'GET', '/api/admin/coin-packages', fan.accessToken())).status).toBe(403);
    expect((await call(server, 'GET', '/api/admin/coin-packages', null)).status).toBe(401);

    const ok = await call(server, 'POST', '/api/admin/coin-packages', admin.accessToken(), pkg());
    expect(ok.status).toBe(201);
    const id = ok.json.id as string;
    const patchByFan = await call(server, 'PATCH', `/api/admin/coin-packages/${id}`, fan.accessToken(), {
      coins: 1,
    });
    expect(patchByFan.status).toBe(403);
    expect(
      (await call(server, 'POST', `/api/admin/coin-packages/${id}/archive`, fan.accessToken())).status,
    ).toBe(403);
    // RLS is the guard, not only the service's check: a fan's direct write changes nothing.
    await expect(
      server.db.asUser({ sub: fan.userId, role: 'authenticated' }, (tx) =>
        tx.query('update public.coin_packages set coins = 1 where id = $1', [id]),
      ),
    ).resolves.toMatchObject({ rows: [] });
    await expect(
      server.db.asUser({ sub: fan.userId, role: 'authenticated' }, (tx) =>
        tx.query(
          `insert into public.coin_packages (code, coins, prices) values ('coins_evil', 1, '{"USD": 1}')`,
        ),
      ),
    ).rejects.toThrow(/row-level security/);

    const changed = await call(server, 'PATCH', `/api/admin/coin-packages/${id}`, admin.accessToken(), {
      prices: { USD: 599 },
      google_product_id: 'coins_300',
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ coins: 300, prices: { USD: 599 }, google_product_id: 'coins_300' });

    const archived = await call(
      server,
      'POST',
      `/api/admin/coin-packages/${id}/archive`,
      admin.accessToken(),
    );
    expect(archived.json.active).toBe(false);
    const onSale = (await call(server, 'GET', '/api/coin-packages', fan.accessToken())).json.items;
    expect(onSale.map((p: { id: string }) => p.id)).not.toContain(id);
    const all = (await admin.api.adminCoinPackages()).items;
    expect(all.find((p) => p.id === id)).toMatchObject({ active: false, coins: 300 });
  });

  it('validates input and answers a clear 4xx', async () => {
    const bad = async (body: unknown) =>
      call(server, 'POST', '/api/admin/coin-packages', admin.accessToken(), body);
    for (const body of [
      pkg({ prices: {} }),
      pkg({ prices: { usd: 100 } }),
      pkg({ prices: { USD: 0 } }),
      pkg({ prices: { USD: 1.5 } }),
      pkg({ coins: 0 }),
      pkg({ code: 'Has Spaces' }),
      pkg({ extra: true }),
    ]) {
      const r = await bad(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
    }
    const first = pkg({ apple_product_id: 'app.ipelya.coins.dup' });
    expect((await bad(first)).status).toBe(201);
    const dup = await bad({ ...first, apple_product_id: null });
    expect(dup.status).toBe(409);
    const dupApple = await bad(pkg({ apple_product_id: 'app.ipelya.coins.dup' }));
    expect(dupApple.status).toBe(409);
    const empty = await call(
      server,
      'PATCH',
      `/api/admin/coin-packages/${crypto.randomUUID()}`,
      admin.accessToken(),
      {},
    );
    expect(empty.status).toBe(400);
    const missing = await call(
      server,
      'PATCH',
      `/api/admin/coin-packages/${crypto.randomUUID()}`,
      admin.accessToken(),
      { coins: 5 },
    );
    expect(missing.status).toBe(404);
    // The database refuses a malformed price too, whoever writes it.
    await expect(
      server.db.service('test:bad-price', (tx) =>
        tx.query(
          `insert into coin_packages (code, coins, prices) values ('coins_badprice', 1, '{"USD": -5}')`,
        ),
      ),
    ).rejects.toThrow(/coin_packages_prices_valid/);
  });

  it('sells a newly created package at checkout', async () => {
    const created = await admin.api.createCoinPackage(pkg({ coins: 777, prices: { USD: 1234 } }));
    const listed = (await fan.api.coinPackages()).items.find((p) => p.id === created.id);
    expect(listed).toMatchObject({ coins: 777, prices: { USD: 1234 } });
    const co = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      fan.accessToken(),
      {
        package_id: created.id,
        provider: 'local',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(co.status).toBe(200);
    const path = new URL(co.json.redirect_url).pathname;
    const page = await (await fetch(server.url + path)).text();
    expect(page).toContain('777 coins');
    expect(page).toContain('12.34 USD');
    await fetch(`${server.url}${path}/complete`, { method: 'POST' });
    expect((await call(server, 'GET', '/api/wallet', fan.accessToken())).json.balance).toBe(777);
    // Not sold in a currency it has no price for.
    const eur = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      fan.accessToken(),
      {
        package_id: created.id,
        provider: 'local',
        currency: 'EUR',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(eur.status).toBe(400);
    // Archived: off sale for new checkouts.
    await admin.api.archiveCoinPackage(created.id);
    const after = await call(
      server,
      'POST',
      '/api/purchases/checkout',
      fan.accessToken(),
      {
        package_id: created.id,
        provider: 'local',
        currency: 'USD',
      },
      { 'idempotency-key': randomUUID() },
    );
    expect(after.status).toBe(404);
  });
});
