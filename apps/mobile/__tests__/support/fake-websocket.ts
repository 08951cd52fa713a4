/** Minimal WebSocket stand-in: tests find the app's socket and push server messages into it. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  close() {
    this.closed = true;
  }

  /** Deliver a server message as the real socket would: a JSON text frame. */
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  static latestOpen(): FakeWebSocket | undefined {
    return [...FakeWebSocket.instances].reverse().find((s) => !s.closed);
  }
}
