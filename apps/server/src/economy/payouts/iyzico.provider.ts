import { createHmac, randomBytes } from 'node:crypto';
import {
  type PayoutProvider,
  type PayoutTransfer,
  PayoutTransferError,
  type TransferCheck,
  type TransferResult,
} from './payout-provider.ts';

export const IYZICO_SANDBOX_URL = 'https://sandbox-api.iyzipay.com';
export const IYZICO_PRODUCTION_URL = 'https://api.iyzipay.com';

export type IyzicoPayoutOptions = {
  apiKey: string;
  secretKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Injected in tests so the signature is reproducible. */
  randomKey?: () => string;
  timeoutMs?: number;
};

/**
 * IYZWSv2 request authorization (the official SDKs' generateHashV2): hex HMAC-SHA256 with the secret key over
 * randomKey + uri path + exact body, then "IYZWSv2 " + base64("apiKey:…&randomKey:…&signature:…"). Written here
 * because the `iyzipay` client has no Mass Payout resource (decision 020).
 */
export function iyzicoAuthorization(
  apiKey: string,
  secretKey: string,
  randomKey: string,
  uriPath: string,
  body: string,
) {
  const signature = createHmac('sha256', secretKey)
    .update(randomKey + uriPath + body)
    .digest('hex');
  return `IYZWSv2 ${Buffer.from(`apiKey:${apiKey}&randomKey:${randomKey}&signature:${signature}`).toString('base64')}`;
}

/** Iyzico amounts are decimal major units (100.5 TRY), ours are integer minor units. */
const major = (minor: number) => Math.round(minor) / 100;

/** TR IBANs go as IBAN recipients; digits-only ids are iyzico member ids. */
function recipient(destination: string) {
  const compact = destination.replace(/\s+/g, '').toUpperCase();
  if (/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(compact))
    return { recipientType: 'IBAN', recipientInfo: compact };
  if (/^\d+$/.test(compact)) return { recipientType: 'MEMBER_ID', recipientInfo: compact };
  return null;
}

type IyzicoAnswer = {
  status?: 'success' | 'failure';
  errorCode?: string;
  errorMessage?: string;
  requestId?: string;
  massPayoutItems?: { items?: { itemExternalId?: string; itemStatus?: string; errorMessages?: string[] }[] };
};

/**
 * Iyzico Mass Payout (the marketplace payout product for paying sellers/sub-merchants who are not paid per
 * basket item): initialize a mass payout with one item per creator payout (POST /v1/mass/payout/init), then
 * authorize it (POST /v1/mass/payout/auth). Items are then PROCESSING at the bank; retrieve reports SUCCESS or
 * FAILED later, so a transfer answers 'processing' and `check` settles it.
 */
export class IyzicoPayouts implements PayoutProvider {
  readonly name = 'iyzico' as const;
  readonly configured = true;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: IyzicoPayoutOptions) {
    this.baseUrl = (opts.baseUrl ?? IYZICO_SANDBOX_URL).replace(/\/$/, '');
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async transfer(p: PayoutTransfer): Promise<TransferResult> {
    const to = p.destination ? recipient(p.destination) : null;
    if (!to) throw new PayoutTransferError('creator has no valid Iyzico recipient (IBAN or member id)', true);
    const init = await this.call('/v1/mass/payout/init', {
      // externalId is Iyzico's idempotency key for the mass payout.
      externalId: p.idempotencyKey,
      conversationId: p.payoutId,
      purpose: 'GOODS',
      items: [
        {
          itemExternalId: p.payoutId,
          ...to,
          amount: { value: major(p.amountMinor), currency: p.currency },
          description: `İpelya creator payout ${p.payoutId}`,
          ...(p.holderName ? { recipientName: p.holderName } : {}),
        },
      ],
    });
    if (!init.requestId) throw new PayoutTransferError('iyzico: init answered without a requestId', false);
    await this.call('/v1/mass/payout/auth', { requestId: init.requestId });
    return { externalId: init.requestId, status: 'processing' };
  }

  async check(p: PayoutTransfer, externalId: string): Promise<TransferCheck> {
    const res = await this.call('/v1/mass/payout/retrieve', {
      requestId: externalId,
      externalMassPayoutId: p.idempotencyKey,
      page: 0,
      size: 10,
    });
    const item = res.massPayoutItems?.items?.find((i) => i.itemExternalId === p.payoutId);
    switch (item?.itemStatus) {
      case 'SUCCESS':
        return { status: 'paid' };
      case 'FAILED':
      case 'INVALID':
      case 'MASS_PAYOUT_CANCELED':
      case 'DEPOSIT_SUCCESS':
      case 'DEPOSIT_FAIL':
        return {
          status: 'failed',
          error: `iyzico item ${item.itemStatus}: ${(item.errorMessages ?? []).join('; ') || 'no detail'}`,
        };
      default:
        return { status: 'processing' };
    }
  }

  private async call(path: string, payload: unknown): Promise<IyzicoAnswer> {
    const body = JSON.stringify(payload);
    const rnd = this.opts.randomKey?.() ?? `${Date.now()}${randomBytes(8).toString('hex')}`;
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}?locale=en`, {
        method: 'POST',
        headers: {
          authorization: iyzicoAuthorization(this.opts.apiKey, this.opts.secretKey, rnd, path, body),
          'x-iyzi-rnd': rnd,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 20_000),
      });
    } catch (err) {
      throw new PayoutTransferError(`iyzico: ${(err as Error).message}`, false);
    }
    let json: IyzicoAnswer;
    try {
      json = (await res.json()) as IyzicoAnswer;
    } catch {
      throw new PayoutTransferError(`iyzico: HTTP ${res.status} without a JSON body`, false);
    }
    if (res.status >= 500) throw new PayoutTransferError(`iyzico: HTTP ${res.status}`, false);
    if (json.status !== 'success') {
      // A failure answer is Iyzico refusing the request: a retry needs a new externalId.
      throw new PayoutTransferError(
        `iyzico: ${json.errorCode ?? res.status}: ${json.errorMessage ?? 'request failed'}`,
        true,
      );
    }
    return json;
  }
}
