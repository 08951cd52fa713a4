/**
 * Deleting an account, in order: each domain deletes its own rows in its SQL step function (declared in
 * supabase/schemas/<domain>/functions.sql). The account service runs every step in one transaction as the
 * caller, so a failure anywhere leaves nothing half-deleted; the SQL refuses a step run outside that flow
 * (account_deletion_context). Each step answers rows `{ path }`: storage objects whose rows it removed, whose
 * bytes are deleted after commit. `begin` comes first and `finish` last; a new domain adds its step between.
 */
export type AccountDeletionStep = { domain: string; sql: string };

export const accountDeletionSteps: readonly AccountDeletionStep[] = [
  { domain: 'account', sql: 'select path from public.begin_account_deletion() as path' },
  { domain: 'economy', sql: 'select path from public.delete_account_economy() as path' },
  { domain: 'messaging', sql: 'select path from public.delete_account_messaging() as path' },
  { domain: 'storage', sql: 'select path from public.delete_account_storage() as path' },
  { domain: 'personas', sql: 'select path from public.delete_account_personas() as path' },
  { domain: 'account', sql: 'select path from public.finish_account_deletion() as path' },
];
