import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Database, JwtClaims, Queryable } from '@ipelya/db';
import type { Env } from '../env.ts';
import { DomainError } from '../errors.ts';
import { deliveryAddress, type Identifier, identifierKey } from './identifiers.ts';
import type { OtpDelivery } from './otp-delivery.ts';
import type { SessionGate } from './session-gate.ts';
import { newRefreshToken, sha256, signAccessToken } from './tokens.ts';

export type RequestContext = {
  ip: string | null;
  userAgent: string | null;
  device: { installId: string; platform: 'ios' | 'android' | 'web' } | null;
};

type UserRow = {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  phone: string | null;
  email_confirmed_at: Date | null;
  phone_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  is_anonymous: boolean;
  banned_until: Date | null;
  created_at: Date;
  updated_at: Date;
};

/** Supabase Auth's session response (POST /verify, POST /token). */
export type SessionResponse = {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  expires_at: number;
  refresh_token: string;
  user: Record<string, unknown>;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** GoTrue's user JSON. */
export function toAuthUser(u: UserRow): Record<string, unknown> {
  const providers = [u.email ? 'email' : null, u.phone ? 'phone' : null].filter(Boolean);
  return {
    id: u.id,
    aud: u.aud,
    role: u.role,
    email: u.email ?? '',
    email_confirmed_at: iso(u.email_confirmed_at) ?? undefined,
    phone: u.phone ?? '',
    phone_confirmed_at: iso(u.phone_confirmed_at) ?? undefined,
    confirmed_at: iso(u.email_confirmed_at ?? u.phone_confirmed_at) ?? undefined,
    last_sign_in_at: iso(u.last_sign_in_at) ?? undefined,
    app_metadata: { provider: providers[0] ?? 'email', providers, ...u.raw_app_meta_data },
    user_metadata: u.raw_user_meta_data,
    identities: [],
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    is_anonymous: u.is_anonymous,
  };
}

const otpExpired = () => new DomainError('forbidden', 'otp_expired', 'Token has expired or is invalid');
const rateLimited = (code: string, message: string) => new DomainError('rate_limited', code, message);

/**
 * The embedded Supabase-Auth-compatible server: one-time codes by email or SMS, sessions bound to devices,
 * rotating refresh tokens with reuse detection, and access tokens whose custom claims come from the same SQL
 * `custom_access_token_hook` Supabase calls in production. All of it runs on the named service path.
 */
export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly env: Env,
    private readonly delivery: OtpDelivery,
    /** Told about every session this service ends, so the ended token stops at once here (decision 024). */
    private readonly sessions?: SessionGate,
  ) {}

  private get issuer() {
    return `${this.env.PUBLIC_URL}/auth/v1`;
  }

  private hashCode(identifier: string, code: string) {
    return createHmac('sha256', this.env.JWT_SECRET).update(`${identifier}:${code}`).digest('hex');
  }

  /** Counts events in a sliding window across all server processes (the table is shared). */
  private async hit(
    tx: Queryable,
    bucket: string,
    key: string,
    windowSeconds: number,
    max: number,
    err: DomainError,
  ) {
    const { rows } = await tx.query<{ n: string; retry: number | null }>(
      `select count(*)::text as n,
              ceil(extract(epoch from min(created_at) + make_interval(secs => $3) - now()))::int as retry
       from auth.rate_events where bucket = $1 and key = $2 and created_at > now() - make_interval(secs => $3)`,
      [bucket, key, windowSeconds],
    );
    // The oldest event in the window is the next to expire: that is when the caller may try again.
    if (Number(rows[0]?.n ?? 0) >= max)
      throw new DomainError(err.kind, err.code, err.message, {
        retry_after_seconds: Math.max(1, rows[0]?.retry ?? windowSeconds),
      });
    await tx.query('insert into auth.rate_events (bucket, key) values ($1, $2)', [bucket, key]);
  }

  private async findUser(tx: Queryable, id: Identifier): Promise<UserRow | undefined> {
    const { rows } =
      id.channel === 'email'
        ? await tx.query<UserRow>('select * from auth.users where email = $1 and deleted_at is null', [
            id.email,
          ])
        : await tx.query<UserRow>('select * from auth.users where phone = $1 and deleted_at is null', [
            id.phone,
          ]);
    return rows[0];
  }

  /** POST /auth/v1/otp */
  async requestOtp(
    id: Identifier,
    createUser: boolean,
    ctx: RequestContext,
  ): Promise<{ messageId: string | null }> {
    const key = identifierKey(id);
    const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
    await this.db.service('auth:otp-request', async (tx) => {
      if (!createUser && !(await this.findUser(tx, id))) {
        throw new DomainError('validation', 'otp_disabled', 'Signups not allowed for otp');
      }
      const { rows: last } = await tx.query<{ age: number }>(
        `select extract(epoch from now() - created_at)::float8 as age from auth.otp_challenges
         where identifier = $1 order by created_at desc limit 1`,
        [key],
      );
      const age = last[0]?.age;
      if (age !== undefined && age < this.env.OTP_RESEND_COOLDOWN_SECONDS) {
        const wait = Math.ceil(this.env.OTP_RESEND_COOLDOWN_SECONDS - age);
        throw new DomainError(
          'rate_limited',
          id.channel === 'email' ? 'over_email_send_rate_limit' : 'over_sms_send_rate_limit',
          `For security purposes, you can only request this after ${wait} seconds.`,
          { retry_after_seconds: wait },
        );
      }
      await this.hit(
        tx,
        'otp:id',
        key,
        3600,
        this.env.OTP_MAX_PER_IDENTIFIER_PER_HOUR,
        rateLimited('over_request_rate_limit', 'Too many codes requested for this address; try again later'),
      );
      if (ctx.ip) {
        await this.hit(
          tx,
          'otp:ip',
          ctx.ip,
          3600,
          this.env.OTP_MAX_PER_IP_PER_HOUR,
          rateLimited('over_request_rate_limit', 'Too many requests from this network; try again later'),
        );
      }
      // A new code supersedes older ones.
      await tx.query(
        'update auth.otp_challenges set consumed_at = now() where identifier = $1 and consumed_at is null',
        [key],
      );
      await tx.query(
        `insert into auth.otp_challenges (channel, identifier, code_hash, expires_at)
         values ($1, $2, $3, now() + make_interval(secs => $4))`,
        [id.channel, key, this.hashCode(key, code), this.env.OTP_TTL_SECONDS],
      );
    });
    // Delivered after commit: a failed send leaves a challenge nobody knows, which simply expires.
    const sent = await this.delivery.send({
      channel: id.channel,
      to: deliveryAddress(id),
      code,
      expiresInSeconds: this.env.OTP_TTL_SECONDS,
    });
    return { messageId: id.channel === 'sms' ? sent.messageId : null };
  }

  /** POST /auth/v1/verify */
  async verifyOtp(id: Identifier, token: string, ctx: RequestContext): Promise<SessionResponse> {
    const key = identifierKey(id);
    // Attempt counting must survive a failed verification, so it commits on its own before the check.
    const outcome = await this.db.service('auth:otp-verify', async (tx) => {
      if (ctx.ip) {
        await this.hit(
          tx,
          'verify:ip',
          ctx.ip,
          3600,
          this.env.VERIFY_MAX_PER_IP_PER_HOUR,
          rateLimited(
            'over_request_rate_limit',
            'Too many verification attempts from this network; try again later',
          ),
        );
      }
      const { rows } = await tx.query<{ id: string; code_hash: string; attempts: number }>(
        `select id, code_hash, attempts from auth.otp_challenges
         where identifier = $1 and consumed_at is null and expires_at > now()
         order by created_at desc limit 1 for update`,
        [key],
      );
      const challenge = rows[0];
      if (!challenge || challenge.attempts >= this.env.OTP_MAX_ATTEMPTS) return 'expired' as const;
      const expected = Buffer.from(challenge.code_hash, 'hex');
      const given = Buffer.from(this.hashCode(key, /^\d{6}$/.test(token) ? token : 'invalid'), 'hex');
      if (!timingSafeEqual(expected, given)) {
        const attempts = challenge.attempts + 1;
        await tx.query(
          `update auth.otp_challenges set attempts = $2::int, consumed_at = case when $2::int >= $3::int then now() end where id = $1`,
          [challenge.id, attempts, this.env.OTP_MAX_ATTEMPTS],
        );
        return 'mismatch' as const;
      }
      await tx.query('update auth.otp_challenges set consumed_at = now() where id = $1', [challenge.id]);
      return 'ok' as const;
    });
    if (outcome !== 'ok') throw otpExpired();

    return this.db.service('auth:sign-in', async (tx) => {
      let user = await this.findUser(tx, id);
      if (!user) {
        const { rows } =
          id.channel === 'email'
            ? await tx.query<UserRow>(
                `insert into auth.users (email, email_confirmed_at, raw_app_meta_data) values ($1, now(), '{"provider":"email","providers":["email"]}') returning *`,
                [id.email],
              )
            : await tx.query<UserRow>(
                `insert into auth.users (phone, phone_confirmed_at, raw_app_meta_data) values ($1, now(), '{"provider":"phone","providers":["phone"]}') returning *`,
                [id.phone],
              );
        user = rows[0]!;
      }
      if (user.banned_until && new Date(user.banned_until) > new Date()) {
        throw new DomainError('forbidden', 'user_banned', 'User is banned');
      }
      const confirmCol = id.channel === 'email' ? 'email_confirmed_at' : 'phone_confirmed_at';
      const { rows: updated } = await tx.query<UserRow>(
        `update auth.users set last_sign_in_at = now(), updated_at = now(), ${confirmCol} = coalesce(${confirmCol}, now())
         where id = $1 returning *`,
        [user.id],
      );
      user = updated[0]!;
      const deviceId = ctx.device ? await this.bindDevice(tx, user.id, ctx.device) : null;
      const { rows: sessions } = await tx.query<{ id: string }>(
        `insert into auth.sessions (user_id, user_agent, ip, not_after)
         values ($1, $2, $3::inet, now() + make_interval(days => $4)) returning id`,
        [user.id, ctx.userAgent?.slice(0, 512) ?? null, ctx.ip, this.env.SESSION_MAX_AGE_DAYS],
      );
      const sessionId = sessions[0]!.id;
      await tx.query(
        'insert into public.session_state (session_id, user_id, persona, device_id) values ($1, $2, $3, $4)',
        [sessionId, user.id, 'real', deviceId],
      );
      return this.issue(tx, user, sessionId, null);
    });
  }

  /** Registers or refreshes the device and enforces the accounts-per-device cap. */
  private async bindDevice(
    tx: Queryable,
    userId: string,
    device: NonNullable<RequestContext['device']>,
  ): Promise<string> {
    const { rows: others } = await tx.query<{ n: string }>(
      'select count(distinct user_id)::text as n from public.devices where install_id = $1 and user_id <> $2',
      [device.installId, userId],
    );
    const { rows: mine } = await tx.query<{ id: string }>(
      'select id from public.devices where install_id = $1 and user_id = $2',
      [device.installId, userId],
    );
    if (!mine[0] && Number(others[0]?.n ?? 0) >= this.env.MAX_ACCOUNTS_PER_DEVICE) {
      throw new DomainError(
        'forbidden',
        'device_account_limit',
        `This device already has ${this.env.MAX_ACCOUNTS_PER_DEVICE} accounts; sign in to one of them instead`,
      );
    }
    const { rows } = await tx.query<{ id: string }>(
      `insert into public.devices (user_id, install_id, platform) values ($1, $2, $3)
       on conflict (user_id, install_id) do update set last_seen_at = now(), platform = excluded.platform
       returning id`,
      [userId, device.installId, device.platform],
    );
    return rows[0]!.id;
  }

  /** Mints an access token (claims from the SQL hook) and a new refresh token whose parent is `parent`. */
  private async issue(
    tx: Queryable,
    user: UserRow,
    sessionId: string,
    parent: string | null,
  ): Promise<SessionResponse> {
    const refresh = newRefreshToken();
    await tx.query(
      `insert into auth.refresh_tokens (token, user_id, session_id, parent) values ($1, $2, $3, $4)`,
      [sha256(refresh), user.id, sessionId, parent],
    );
    await tx.query('update auth.sessions set updated_at = now(), refreshed_at = now() where id = $1', [
      sessionId,
    ]);
    const base: JwtClaims = {
      aud: 'authenticated',
      sub: user.id,
      email: user.email ?? '',
      phone: user.phone ?? '',
      app_metadata: toAuthUser(user).app_metadata,
      user_metadata: user.raw_user_meta_data,
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'otp', timestamp: Math.floor(Date.now() / 1000) }],
      session_id: sessionId,
      is_anonymous: false,
    };
    const { rows } = await tx.query<{ out: { claims: JwtClaims } }>(
      'select public.custom_access_token_hook($1::jsonb) as out',
      [JSON.stringify({ user_id: user.id, claims: base, authentication_method: 'otp' })],
    );
    const claims = rows[0]?.out.claims ?? base;
    const ttl = this.env.ACCESS_TOKEN_TTL_SECONDS;
    const { token, expiresAt } = await signAccessToken(this.env.JWT_SECRET, this.issuer, claims, ttl);
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: ttl,
      expires_at: expiresAt,
      refresh_token: refresh,
      user: toAuthUser(user),
    };
  }

  /** POST /auth/v1/token?grant_type=refresh_token — rotates; a spent token revokes its whole session. */
  async refresh(refreshToken: string): Promise<SessionResponse> {
    const result = await this.db.service('auth:refresh', async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        revoked: boolean;
        session_id: string;
        user_id: string;
        not_after: Date | null;
      }>(
        `select t.id, t.revoked, t.session_id, t.user_id, s.not_after
         from auth.refresh_tokens t join auth.sessions s on s.id = t.session_id
         where t.token = $1 for update of t`,
        [sha256(refreshToken)],
      );
      const row = rows[0];
      if (!row)
        return {
          error: new DomainError(
            'validation',
            'refresh_token_not_found',
            'Invalid Refresh Token: Refresh Token Not Found',
          ),
        };
      if (row.revoked) {
        // Reuse of a rotated token means it leaked (or raced): end the whole session family.
        await tx.query('delete from auth.sessions where id = $1', [row.session_id]);
        await tx.query('delete from public.session_state where session_id = $1', [row.session_id]);
        return {
          ended: row.session_id,
          error: new DomainError(
            'validation',
            'refresh_token_already_used',
            'Invalid Refresh Token: Already Used',
          ),
        };
      }
      if (row.not_after && new Date(row.not_after) < new Date()) {
        return { error: new DomainError('validation', 'session_expired', 'Session Expired') };
      }
      await tx.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [
        row.id,
      ]);
      const { rows: users } = await tx.query<UserRow>(
        'select * from auth.users where id = $1 and deleted_at is null',
        [row.user_id],
      );
      if (!users[0])
        return {
          error: new DomainError('validation', 'user_not_found', 'User from sub claim in JWT does not exist'),
        };
      return { session: await this.issue(tx, users[0], row.session_id, sha256(refreshToken)) };
    });
    if ('error' in result) {
      if ('ended' in result && result.ended) this.sessions?.forget([result.ended]);
      throw result.error;
    }
    return result.session;
  }

  /**
   * A fresh session for the caller's current session after its persona changed (the persona switch).
   * Earlier refresh tokens of the session are retired, so only the new pair stays usable.
   */
  async reissue(claims: JwtClaims): Promise<SessionResponse> {
    const sessionId = claims.session_id;
    if (!sessionId) throw new DomainError('unauthenticated', 'session_not_found', 'Session not found');
    return this.db.service('auth:reissue', async (tx) => {
      const { rows } = await tx.query<UserRow>(
        `select u.* from auth.users u join auth.sessions s on s.user_id = u.id where s.id = $1 and u.id = $2`,
        [sessionId, claims.sub],
      );
      if (!rows[0]) throw new DomainError('unauthenticated', 'session_not_found', 'Session not found');
      await tx.query(
        'update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = $1 and not revoked',
        [sessionId],
      );
      return this.issue(tx, rows[0], sessionId, null);
    });
  }

  /** POST /auth/v1/logout?scope=global|local|others */
  async logout(claims: JwtClaims, scope: 'global' | 'local' | 'others'): Promise<void> {
    await this.db.service('auth:logout', async (tx) => {
      if (scope === 'local') {
        await tx.query('delete from auth.sessions where id = $1 and user_id = $2', [
          claims.session_id,
          claims.sub,
        ]);
      } else if (scope === 'others') {
        await tx.query('delete from auth.sessions where user_id = $1 and id <> $2', [
          claims.sub,
          claims.session_id,
        ]);
      } else {
        await tx.query('delete from auth.sessions where user_id = $1', [claims.sub]);
      }
      await tx.query(
        'delete from public.session_state st where st.user_id = $1 and not exists (select 1 from auth.sessions s where s.id = st.session_id)',
        [claims.sub],
      );
    });
    // After the commit and before the answer: the next request with an ended token asks the database.
    if (scope === 'local') this.sessions?.forget(claims.session_id ? [claims.session_id] : []);
    else this.sessions?.forgetUser(claims.sub);
  }

  /** GET /auth/v1/user */
  async getUser(claims: JwtClaims): Promise<Record<string, unknown>> {
    return this.db.service('auth:get-user', async (tx) => {
      const { rows } = await tx.query<UserRow>(
        `select u.* from auth.users u where u.id = $1 and u.deleted_at is null
           and exists (select 1 from auth.sessions s where s.id = $2 and s.user_id = u.id)`,
        [claims.sub, claims.session_id ?? null],
      );
      if (!rows[0])
        throw new DomainError(
          'forbidden',
          'session_not_found',
          'Session from session_id claim in JWT does not exist',
        );
      return toAuthUser(rows[0]);
    });
  }

  /** Old rate-limit events and dead challenges; run by the scheduler. */
  async purgeExpired(): Promise<number> {
    return this.db.service('auth:purge', async (tx) => {
      const a = await tx.query(`delete from auth.rate_events where created_at < now() - interval '1 day'`);
      const b = await tx.query(`delete from auth.otp_challenges where created_at < now() - interval '1 day'`);
      const c = await tx.query(`delete from auth.sessions where not_after < now()`);
      return a.rowCount + b.rowCount + c.rowCount;
    });
  }
}
