import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalOutbox, OtpDelivery, type OtpSender, SmtpSender, TwilioSmsSender } from './otp-delivery.ts';

const SID = 'AC00000000000000000000000000000001';
const AUTH = 'twilio-auth-token';
const FROM = '+15005550006';
const msg = (over: Partial<{ channel: 'email' | 'sms'; to: string; code: string }> = {}) => ({
  channel: 'sms' as const,
  to: '+905551234567',
  code: '482913',
  expiresInSeconds: 300,
  ...over,
});

/** Stands in for Twilio's Messages resource, checking the documented request. */
function fakeTwilio(reply: { status: number; json: unknown }) {
  const requests: URLSearchParams[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    expect(String(url)).toBe(`https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(init?.method).toBe('POST');
    const headers = new Headers(init?.headers);
    expect(headers.get('authorization')).toBe(`Basic ${Buffer.from(`${SID}:${AUTH}`).toString('base64')}`);
    expect(headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(String(init?.body));
    expect([...form.keys()].sort()).toEqual(['Body', 'From', 'To']);
    requests.push(form);
    return Response.json(reply.json, { status: reply.status });
  }) as typeof fetch;
  return { fetchImpl, requests };
}

describe('TwilioSmsSender (Messages.json contract)', () => {
  it('posts To/From/Body with Basic auth and returns the message SID', async () => {
    const twilio = fakeTwilio({
      status: 201,
      json: {
        sid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
        status: 'queued',
        to: '+905551234567',
        from: FROM,
        error_code: null,
      },
    });
    const sender = new TwilioSmsSender(SID, AUTH, FROM, twilio.fetchImpl);
    expect(await sender.send(msg())).toEqual({ messageId: 'SM1f0e8ae6ade43cb3c0ce4525424e404f' });
    const form = twilio.requests[0]!;
    expect(form.get('To')).toBe('+905551234567');
    expect(form.get('From')).toBe(FROM);
    expect(form.get('Body')).toContain('482913');
    expect(form.get('Body')).toContain('5 minutes');
    expect(form.get('Body')).toContain('5 dakika');
  });

  it('throws with Twilio’s message on an error payload ({code, message, status})', async () => {
    const twilio = fakeTwilio({
      status: 400,
      json: {
        code: 21211,
        message: "The 'To' number +90555 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
    });
    const sender = new TwilioSmsSender(SID, AUTH, FROM, twilio.fetchImpl);
    await expect(sender.send(msg({ to: '+90555' }))).rejects.toThrow(
      /twilio send failed \(400\).*not a valid phone number/,
    );
  });

  it('throws on a non-JSON error (e.g. a gateway page)', async () => {
    const sender = new TwilioSmsSender(
      SID,
      AUTH,
      FROM,
      (async () => new Response('<html>502</html>', { status: 502 })) as typeof fetch,
    );
    await expect(sender.send(msg())).rejects.toThrow(/twilio send failed \(502\)/);
  });
});

describe('SmtpSender (through nodemailer)', () => {
  it('builds a mail with recipient, subject and a Turkish + English body carrying the code', async () => {
    const transport = nodemailer.createTransport({ jsonTransport: true });
    // Wraps the transport only to keep the JSON message nodemailer composed.
    let sent: { message: string } | undefined;
    const capturing = {
      sendMail: async (opts: Record<string, unknown>) => {
        const r = (await transport.sendMail(opts)) as unknown as { message: string; messageId: string };
        sent = r;
        return r;
      },
    };
    const info = await new SmtpSender(capturing, 'İpelya <no-reply@ipelya.app>').send(
      msg({ channel: 'email', to: 'ayse@example.com' }),
    );
    expect(info.messageId).toMatch(/^<.+@.+>$/);
    const mail = JSON.parse(sent!.message) as {
      to: { address: string }[];
      from: { address: string };
      subject: string;
      text: string;
    };
    expect(mail.to.map((a) => a.address)).toEqual(['ayse@example.com']);
    expect(mail.from.address).toBe('no-reply@ipelya.app');
    expect(mail.subject).toContain('482913');
    expect(mail.text).toContain('Your İpelya sign-in code is 482913');
    expect(mail.text).toContain('İpelya giriş kodun: 482913');
    expect(mail.text).toContain('5 dakika geçerlidir');
  });

  it('produces a real RFC 822 message with the code (stream transport)', async () => {
    const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    let raw = '';
    await new SmtpSender(
      {
        sendMail: async (opts) => {
          const r = (await transport.sendMail(opts)) as unknown as { message: Buffer; messageId: string };
          raw = r.message.toString('utf8');
          return r;
        },
      },
      'İpelya <no-reply@ipelya.app>',
    ).send(msg({ channel: 'email', to: 'ayse@example.com' }));
    expect(raw).toMatch(/^To: ayse@example\.com$/m);
    expect(raw).toMatch(/^Subject: /m);
    expect(raw).toContain('482913');
  });

  it('propagates transport failures to the caller', async () => {
    const sender = new SmtpSender(
      {
        sendMail: async () => {
          throw new Error('535 authentication failed');
        },
      },
      'x@y.z',
    );
    await expect(sender.send(msg({ channel: 'email', to: 'a@b.c' }))).rejects.toThrow('535');
  });
});

describe('LocalOutbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipelya-outbox-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends JSON lines and latest() returns the newest code per address', async () => {
    const file = join(dir, 'nested', 'outbox.jsonl');
    const outbox = new LocalOutbox(file, pino({ level: 'silent' }));
    await outbox.send(msg({ channel: 'email', to: 'a@example.com', code: '111111' }));
    await outbox.send(msg({ to: '+905550000000', code: '222222' }));
    await outbox.send(msg({ channel: 'email', to: 'a@example.com', code: '333333' }));
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ channel: 'email', to: 'a@example.com', code: '111111' });
    expect(Date.parse(lines[0]!.created_at!)).not.toBeNaN();
    expect(outbox.latest('a@example.com')?.code).toBe('333333');
    expect(outbox.latest('+905550000000')?.code).toBe('222222');
    expect(outbox.latest('nobody@example.com')).toBeUndefined();
  });

  it('works without a file (memory only)', async () => {
    const outbox = new LocalOutbox(null, pino({ level: 'silent' }));
    const { messageId } = await outbox.send(msg({ code: '444444' }));
    expect(messageId).toMatch(/^local-/);
    expect(outbox.latest('+905551234567')?.code).toBe('444444');
  });
});

describe('OtpDelivery', () => {
  it('routes email and sms to their senders', async () => {
    const seen: string[] = [];
    const sender = (name: string): OtpSender => ({
      name,
      send: async (m) => {
        seen.push(`${name}:${m.to}`);
        return { messageId: name };
      },
    });
    const delivery = new OtpDelivery(sender('mail'), sender('sms'));
    await delivery.send(msg({ channel: 'email', to: 'a@b.c' }));
    await delivery.send(msg({ to: '+905551234567' }));
    expect(seen).toEqual(['mail:a@b.c', 'sms:+905551234567']);
  });
});
