import type { ReportScreenshot, ScreenshotReported } from '@ipelya/contracts';
import type { Database, JwtClaims } from '@ipelya/db';

/**
 * Records a screenshot taken by the active persona and notifies the owner(s) of what was captured. The SQL
 * function checks the taker may see the target, resolves the owners, rate-limits and writes the notification,
 * so the realtime trigger delivers it live; the notification names only the taker persona.
 */
export async function reportScreenshot(
  db: Database,
  claims: JwtClaims,
  input: ReportScreenshot,
): Promise<ScreenshotReported> {
  // Over 10 reports a minute the function raises IP429 (the safety module maps it to a 429).
  return db.asUser(claims, async (tx) => {
    const { rows } = await tx.query<{ n: number }>('select public.report_screenshot($1, $2) as n', [
      input.context,
      input.target_id,
    ]);
    return { notified: Number(rows[0]?.n ?? 0) };
  });
}
