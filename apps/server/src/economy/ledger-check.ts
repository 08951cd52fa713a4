// Operator command: `npm run ledger:check` (embedded database) or with DATABASE_URL set. Prints every
// violation of the ledger's invariants and exits 1 if there is any.
import { join } from 'node:path';
import { Database } from '@ipelya/db';
import { loadEnv } from '../env.ts';
import { ledgerViolations } from './economy.service.ts';

const env = loadEnv();
const db = await Database.open({
  url: env.DATABASE_URL,
  dataDir: env.DATABASE_URL ? undefined : join(env.DATA_DIR, 'pglite'),
  migrationsDir: env.MIGRATIONS_DIR,
});
try {
  const violations = await ledgerViolations(db);
  const { rows } = await db.service('ledger:check', (tx) =>
    tx.query<{ currency: string; accounts: string; entries: string }>(
      `select a.currency, count(distinct a.id)::text as accounts, count(e.id)::text as entries
       from public.ledger_accounts a left join public.ledger_entries e on e.account_id = a.id group by a.currency order by 1`,
    ),
  );
  for (const r of rows) console.log(`${r.currency}: ${r.accounts} accounts, ${r.entries} entries`);
  if (violations.length === 0) {
    console.log('ledger OK: every currency sums to zero and every balance equals its entries');
  } else {
    for (const v of violations) console.log(`VIOLATION ${v.check_name} ${v.subject}: ${v.detail}`);
    process.exitCode = 1;
  }
} finally {
  await db.close();
}
