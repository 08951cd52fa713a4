import { randomUUID } from 'node:crypto';
import type { PayoutProvider, PayoutTransfer, TransferResult } from './payout-provider.ts';

/** The embedded default: no money leaves the machine; a payout is paid the moment it is processed. */
export class LocalPayouts implements PayoutProvider {
  readonly name = 'local' as const;
  readonly configured = true;

  async transfer(_payout: PayoutTransfer): Promise<TransferResult> {
    return { externalId: `local_po_${randomUUID()}`, status: 'paid' };
  }
}
