import type { RegisterDevice, SessionInfo } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';
import { notFound } from '../errors.ts';
import { iso } from '../shared/pagination.ts';
import type { AttestationVerifier } from './attestation.ts';

type DeviceRow = {
  id: string;
  install_id: string;
  platform: 'ios' | 'android' | 'web';
  attestation_status: 'none' | 'verified' | 'failed' | 'unverifiable';
  created_at: Date;
  last_seen_at: Date;
};
const toDevice = (r: DeviceRow) => ({
  ...r,
  created_at: iso(r.created_at)!,
  last_seen_at: iso(r.last_seen_at)!,
});

/** Registers (or refreshes) a device of the caller; an attestation token is verified by the platform adapter. */
export async function registerDevice(
  db: Database,
  claims: JwtClaims,
  input: RegisterDevice,
  attestation: AttestationVerifier,
) {
  const device = await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<DeviceRow>(
      `insert into public.devices (user_id, install_id, platform, push_token) values (auth.uid(), $1, $2, $3)
       on conflict (user_id, install_id) do update set platform = excluded.platform,
         push_token = coalesce(excluded.push_token, public.devices.push_token), last_seen_at = now()
       returning id, install_id, platform, attestation_status, created_at, last_seen_at`,
      [input.install_id, input.platform, input.push_token ?? null],
    );
    return rows[0]!;
  });
  if (input.attestation) {
    // Verified outside the transaction (network call), then recorded on the service path.
    const result = await attestation.verify({
      platform: input.platform,
      token: input.attestation,
      installId: input.install_id,
    });
    await db.service('devices:attestation', (tx) =>
      tx.query(
        'update public.devices set attestation_status = $2, attestation_checked_at = now() where id = $1 and user_id = $3',
        [device.id, result, claims.sub],
      ),
    );
    device.attestation_status = result;
  }
  return toDevice(device);
}

export async function listDevices(db: Database, claims: JwtClaims) {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<DeviceRow>(
      'select id, install_id, platform, attestation_status, created_at, last_seen_at from public.devices order by last_seen_at desc',
    );
    return rows.map(toDevice);
  });
}

export async function removeDevice(db: Database, claims: JwtClaims, id: string) {
  await db.asUser(claims, async (tx) => {
    const res = await tx.query('delete from public.devices where id = $1', [id]);
    if (res.rowCount !== 1) throw notFound('device');
  });
}

export async function listSessions(db: Database, claims: JwtClaims): Promise<SessionInfo[]> {
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      created_at: Date;
      updated_at: Date | null;
      user_agent: string | null;
      ip: string | null;
      device_id: string | null;
      persona: 'real' | 'shadow';
    }>('select * from public.list_my_sessions()');
    return rows.map((r) => ({
      ...r,
      created_at: iso(r.created_at)!,
      updated_at: iso(r.updated_at),
      current: r.id === claims.session_id,
    }));
  });
}

export async function revokeSession(db: Database, claims: JwtClaims, id: string) {
  await db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ ok: boolean }>('select public.revoke_my_session($1) as ok', [id]);
    if (!rows[0]?.ok) throw notFound('session');
  });
}
