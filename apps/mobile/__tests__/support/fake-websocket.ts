/** Minimal WebSocket stand-in: tests find the app's socket and push server messages into it. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  /** Frames the app sent, parsed. */
  sent: unknown[] = [];

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  close() {
    this.closed = true;
  }

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }

  /** The server accepted the connection. */
  open() {
    this.onopen?.();
  }

  /** The connection dropped (the app schedules a reconnect). */
  drop() {
    this.closed = true;
    this.onclose?.();
  }

  /** Deliver a server message as the real socket would: a JSON text frame. */
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  static latestOpen(): FakeWebSocket | undefined {
    return [...FakeWebSocket.instances].reverse().find((s) => !s.closed);
  }
}
