import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../errors.ts';

/** Permission to PUT one object of at most `max` bytes; `kid`: seal it with that data key while it streams in. */
export type UploadTicket = {
  use: 'put';
  mid: string;
  key: string;
  ct: string;
  max: number;
  exp: number;
  kid?: string;
};
/**
 * Permission to read one object until `exp`; `kid`: it is sealed, decrypt with that key; `vo`: issued by
 * opening this view-once message, so it serves although the message is now opened.
 */
export type DownloadTicket = {
  use: 'get';
  mid: string;
  key: string;
  ct: string;
  exp: number;
  kid?: string;
  vo?: string;
};
export type Ticket = UploadTicket | DownloadTicket;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * Short-lived, HMAC-signed tickets for the local driver's upload and download URLs. The key is derived from
 * JWT_SECRET so a ticket can never pass as an access token or the other way round. Tickets name a media id and
 * a random object key only: nothing about the owner or their other persona.
 */
export class TicketSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHmac('sha256', secret).update('ipelya:storage-ticket:v1').digest();
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }

  sign(ticket: Ticket): string {
    const payload = b64(JSON.stringify(ticket));
    return `${payload}.${b64(this.mac(payload))}`;
  }

  verify<U extends Ticket['use']>(token: string, use: U, now = Date.now()): Extract<Ticket, { use: U }> {
    const invalid = new DomainError('forbidden', 'invalid_signature', 'this link is not valid');
    const [payload, sig, extra] = token.split('.');
    if (!payload || !sig || extra !== undefined) throw invalid;
    const given = Buffer.from(sig, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    let ticket: Ticket;
    try {
      ticket = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Ticket;
    } catch {
      throw invalid;
    }
    if (ticket.use !== use) throw invalid;
    if (typeof ticket.exp !== 'number' || ticket.exp * 1000 <= now) {
      throw new DomainError('forbidden', 'url_expired', 'this link has expired; ask for a new one');
    }
    return ticket as Extract<Ticket, { use: U }>;
  }
}
