export * from './auth.ts';
export * from './common.ts';
export * from './content.ts';
export * from './economy.ts';
export * from './notifications.ts';
export * from './payouts.ts';
export * from './profiles.ts';
export * from './storage.ts';
