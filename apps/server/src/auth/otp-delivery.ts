import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { DomainError } from '../errors.ts';

export type OtpChannel = 'email' | 'sms';
export type OtpMessage = { channel: OtpChannel; to: string; code: string; expiresInSeconds: number };

/** Sends a one-time code. Real adapters for production, a local outbox by default. */
export interface OtpSender {
  readonly name: string;
  send(msg: OtpMessage): Promise<{ messageId: string }>;
}

export type OutboxEntry = { channel: OtpChannel; to: string; code: string; created_at: string };

/**
 * Embedded default: prints the code to the server log and appends it to a JSON-lines outbox that tests and
 * the development `/dev/outbox` endpoint read. Never used when a real provider is configured.
 */
export class LocalOutbox implements OtpSender {
  readonly name = 'local-outbox';
  private readonly recent: OutboxEntry[] = [];

  constructor(
    private readonly file: string | null,
    private readonly log: Logger,
  ) {
    if (file) mkdirSync(dirname(file), { recursive: true });
  }

  async send(msg: OtpMessage) {
    const entry: OutboxEntry = {
      channel: msg.channel,
      to: msg.to,
      code: msg.code,
      created_at: new Date().toISOString(),
    };
    this.recent.push(entry);
    if (this.recent.length > 500) this.recent.shift();
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
    this.log.info({ channel: msg.channel, to: msg.to }, `one-time code for ${msg.to}: ${msg.code}`);
    return { messageId: `local-${Date.now()}` };
  }

  /**
   * Removes every entry sent to these addresses (account deletion): the file is rewritten beside itself and
   * renamed over, so no file keeps them.
   */
  forget(addresses: string[]): void {
    const gone = new Set(addresses.filter(Boolean));
    if (!gone.size) return;
    for (let i = this.recent.length - 1; i >= 0; i--)
      if (gone.has(this.recent[i]!.to)) this.recent.splice(i, 1);
    if (!this.file || !existsSync(this.file)) return;
    const kept = readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => {
        if (!line) return false;
        try {
          return !gone.has((JSON.parse(line) as OutboxEntry).to);
        } catch {
          return true;
        }
      });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, kept.length ? `${kept.join('\n')}\n` : '');
    renameSync(temp, this.file);
  }

  latest(to: string): OutboxEntry | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) if (this.recent[i]!.to === to) return this.recent[i];
    return undefined;
  }
}

export function otpText(code: string, minutes: number) {
  return {
    subject: `İpelya code: ${code}`,
    text: `Your İpelya sign-in code is ${code}. It expires in ${minutes} minutes.\nİpelya giriş kodun: ${code}. ${minutes} dakika geçerlidir.`,
  };
}

/** SMTP delivery through nodemailer (any provider: SES, Postmark, Mailgun SMTP …). */
export class SmtpSender implements OtpSender {
  readonly name = 'smtp';
  constructor(
    private readonly transport: { sendMail(opts: Record<string, unknown>): Promise<{ messageId: string }> },
    private readonly from: string,
  ) {}

  async send(msg: OtpMessage) {
    const { subject, text } = otpText(msg.code, Math.ceil(msg.expiresInSeconds / 60));
    const info = await this.transport.sendMail({ from: this.from, to: msg.to, subject, text });
    return { messageId: info.messageId };
  }
}

/** Twilio Programmable Messaging over its REST API (POST /2010-04-01/Accounts/{Sid}/Messages.json). */
export class TwilioSmsSender implements OtpSender {
  readonly name = 'twilio';
  constructor(
    private readonly accountSid: string,
    private readonly authToken: string,
    private readonly from: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(msg: OtpMessage) {
    const { text } = otpText(msg.code, Math.ceil(msg.expiresInSeconds / 60));
    const res = await this.fetchImpl(
      `https://api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Messages.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: msg.to, From: this.from, Body: text }),
      },
    );
    const body = (await res.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
    if (!res.ok || !body.sid)
      throw new Error(`twilio send failed (${res.status}): ${body.message ?? 'no message'}`);
    return { messageId: body.sid };
  }
}

/**
 * A channel the production operator switched off (DISABLED_FEATURES): sign-in through it answers GoTrue's
 * "provider disabled" error instead of pretending to send.
 */
export class DisabledSender implements OtpSender {
  readonly name = 'disabled';
  constructor(private readonly channel: OtpChannel) {}
  async send(): Promise<never> {
    throw this.channel === 'email'
      ? new DomainError('validation', 'email_provider_disabled', 'Email sign-in is disabled on this server')
      : new DomainError('validation', 'phone_provider_disabled', 'Phone sign-in is disabled on this server');
  }
}

/** Routes each channel to its sender. */
export class OtpDelivery {
  constructor(
    private readonly email: OtpSender,
    private readonly sms: OtpSender,
  ) {}
  send(msg: OtpMessage) {
    return (msg.channel === 'email' ? this.email : this.sms).send(msg);
  }
}
