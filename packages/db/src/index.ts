export type { DatabaseOptions } from './database.ts';
export { Database, pgErrorCode } from './database.ts';
export { openPglite, openPostgres } from './drivers.ts';
export { isSupabase, listMigrations, MigrationHistoryError, migrate, migrationChecksum } from './migrate.ts';
export type { Capabilities, Driver, DriverName, JwtClaims, Queryable, QueryResult, Row } from './types.ts';
