import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  dbTargets,
  signIn,
  startTestServer,
  supabaseFor,
  type TestServer,
  uniqueEmail,
} from '../../test/harness.ts';

describe.each(dbTargets())('Supabase-compatible auth through supabase-js (%s)', (target) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(() => server?.dispose());

  it('signs in by email code and returns a Supabase session with persona claims', async () => {
    const email = uniqueEmail('Mixed.Case');
    const supabase = supabaseFor(server);
    const sent = await supabase.auth.signInWithOtp({ email });
    expect(sent.error).toBeNull();
    const code = server.outbox!.latest(email.toLowerCase())!.code;
    expect(code).toMatch(/^\d{6}$/);
    const { data, error } = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(error).toBeNull();
    expect(data.session?.token_type).toBe('bearer');
    expect(data.user?.email).toBe(email.toLowerCase());
    const claims = JSON.parse(Buffer.from(data.session!.access_token.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({
      role: 'authenticated',
      aud: 'authenticated',
      persona: 'real',
      is_creator: false,
      age_verified: false,
    });
    expect(claims.persona_id).toMatch(/^[0-9a-f-]{36}$/);
    // A token names the active persona only: a real-persona token carries no shadow id (decision 014).
    expect(claims).not.toHaveProperty('shadow_profile_id');
    const user = await supabase.auth.getUser();
    expect(user.data.user?.id).toBe(data.user?.id);
  });

  it('signs in by phone code (SMS) and normalises the number', async () => {
    const phone = `+90555${String(Date.now()).slice(-7)}`;
    const supabase = supabaseFor(server);
    expect((await supabase.auth.signInWithOtp({ phone })).error).toBeNull();
    const code = server.outbox!.latest(phone)!.code;
    const { data, error } = await supabase.auth.verifyOtp({ phone, token: code, type: 'sms' });
    expect(error).toBeNull();
    expect(data.user?.phone).toBe(phone.slice(1));
  });

  it('never stores codes in clear', async () => {
    const email = uniqueEmail();
    await supabaseFor(server).auth.signInWithOtp({ email });
    const code = server.outbox!.latest(email)!.code;
    const { rows } = await server.db.driver.query<{ code_hash: string }>(
      `select code_hash from auth.otp_challenges where identifier = $1`,
      [`email:${email}`],
    );
    expect(rows[0]!.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.code_hash).not.toContain(code);
  });

  it('rejects a wrong code and burns the code after the attempt limit', async () => {
    const email = uniqueEmail();
    const supabase = supabaseFor(server);
    await supabase.auth.signInWithOtp({ email });
    const code = server.outbox!.latest(email)!.code;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await supabase.auth.verifyOtp({ email, token: wrong, type: 'email' });
      expect(r.error?.code).toBe('otp_expired');
      expect(r.error?.status).toBe(403);
    }
    const late = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(late.error?.code).toBe('otp_expired');
  });

  it('rejects an expired code', async () => {
    const email = uniqueEmail();
    const supabase = supabaseFor(server);
    await supabase.auth.signInWithOtp({ email });
    const code = server.outbox!.latest(email)!.code;
    await server.db.driver.query(
      `update auth.otp_challenges set expires_at = now() - interval '1 second' where identifier = $1`,
      [`email:${email}`],
    );
    const r = await supabase.auth.verifyOtp({ email, token: code, type: 'email' });
    expect(r.error?.code).toBe('otp_expired');
  });

  it('rotates refresh tokens and revokes the session family when a spent token is reused', async () => {
    const u = await signIn(server);
    const first = u.refreshToken;
    const { data, error } = await u.supabase.auth.refreshSession();
    expect(error).toBeNull();
    expect(data.session!.refresh_token).not.toBe(first);
    const second = data.session!.refresh_token;

    // An attacker replays the spent token.
    const replay = await call(server, 'POST', '/auth/v1/token?grant_type=refresh_token', null, {
      refresh_token: first,
    });
    expect(replay.status).toBe(400);
    expect(replay.json.error_code).toBe('refresh_token_already_used');

    // The whole family is gone: the newest token and the access token stop working.
    const after = await call(server, 'POST', '/auth/v1/token?grant_type=refresh_token', null, {
      refresh_token: second,
    });
    expect(after.status).toBe(400);
    const me = await call(server, 'GET', '/api/me', data.session!.access_token);
    expect(me.status).toBe(401);
    expect(me.json.error.code).toBe('session_revoked');
  });

  it('logs out: the session is gone and its tokens stop working', async () => {
    const u = await signIn(server);
    const token = u.accessToken();
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(200);
    const { error } = await u.supabase.auth.signOut();
    expect(error).toBeNull();
    expect((await call(server, 'GET', '/api/me', token)).status).toBe(401);
    const r = await call(server, 'POST', '/auth/v1/token?grant_type=refresh_token', null, {
      refresh_token: u.refreshToken,
    });
    expect(r.status).toBe(400);
  });

  it('validates input with a clear message naming the field', async () => {
    const bad = await call(server, 'POST', '/auth/v1/otp', null, { email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(bad.json.msg).toMatch(/email/);
    const none = await call(server, 'POST', '/auth/v1/otp', null, {});
    expect(none.status).toBe(400);
    const phone = await call(server, 'POST', '/auth/v1/otp', null, { phone: '12' });
    expect(phone.json.msg).toMatch(/phone/);
    const notJson = await call(server, 'POST', '/auth/v1/otp', null, '{');
    expect(notJson.status).toBe(400);
    const badToken = await call(server, 'GET', '/api/me', 'abc.def.ghi');
    expect(badToken.status).toBe(401);
    expect(badToken.json.error.code).toBe('invalid_token');
  });

  it('refuses sign-in for unknown users when create_user is false', async () => {
    const r = await supabaseFor(server).auth.signInWithOtp({
      email: uniqueEmail(),
      options: { shouldCreateUser: false },
    });
    expect(r.error?.code).toBe('otp_disabled');
  });
});

describe('OTP rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', {
      OTP_RESEND_COOLDOWN_SECONDS: '60',
      OTP_MAX_PER_IDENTIFIER_PER_HOUR: '2',
      OTP_MAX_PER_IP_PER_HOUR: '4',
    });
  });
  afterAll(() => server?.dispose());

  it('enforces a resend cool-down per address', async () => {
    const email = uniqueEmail();
    expect((await call(server, 'POST', '/auth/v1/otp', null, { email })).status).toBe(200);
    const again = await call(server, 'POST', '/auth/v1/otp', null, { email });
    expect(again.status).toBe(429);
    expect(again.json.error_code).toBe('over_email_send_rate_limit');
  });

  it('caps codes per address per hour and per IP per hour', async () => {
    const email = uniqueEmail();
    await call(server, 'POST', '/auth/v1/otp', null, { email });
    await server.db.driver.query(`update auth.otp_challenges set created_at = now() - interval '2 minutes'`);
    const second = await call(server, 'POST', '/auth/v1/otp', null, { email });
    expect(second.status).toBe(200);
    await server.db.driver.query(`update auth.otp_challenges set created_at = now() - interval '2 minutes'`);
    const third = await call(server, 'POST', '/auth/v1/otp', null, { email });
    expect(third.status).toBe(429);
    expect(third.json.error_code).toBe('over_request_rate_limit');
    // Per IP: this IP has now sent 3 codes (first test + 2 here); one more is allowed, then refused.
    expect((await call(server, 'POST', '/auth/v1/otp', null, { email: uniqueEmail() })).status).toBe(200);
    const blocked = await call(server, 'POST', '/auth/v1/otp', null, { email: uniqueEmail() });
    expect(blocked.status).toBe(429);
  });
});
