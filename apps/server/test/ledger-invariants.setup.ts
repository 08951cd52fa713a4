import { afterEach, expect } from 'vitest';
import { ledgerViolations } from '../src/economy/economy.service.ts';
import { liveServers } from './harness.ts';

// The books must balance after every test of the server, not only the economy's: any feature that moves
// coins, or a fixture that writes ledger rows, is held to the same invariants.
afterEach(async () => {
  for (const server of liveServers) {
    expect(await ledgerViolations(server.db), 'ledger invariants').toEqual([]);
  }
});
