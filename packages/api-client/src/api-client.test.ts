import { describe, expect, it } from 'vitest';
import { ApiClientError, createApiClient } from './index.ts';

type Seen = { url?: string; method?: string; headers?: Headers; body?: string };

function fakeFetch(status: number, body: unknown, seen: Seen): typeof fetch {
  return async (input: URL | RequestInfo) => {
    const request = input instanceof Request ? input : new Request(input);
    seen.url = request.url;
    seen.method = request.method;
    seen.headers = request.headers;
    seen.body = await request.text();
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  };
}

describe('typed API client', () => {
  it('sends the bearer token, JSON body and query parameters', async () => {
    const seen: Seen = {};
    const api = createApiClient({
      baseUrl: 'http://api.test/',
      getAccessToken: () => 'tok',
      fetch: fakeFetch(200, { items: [], next_cursor: null }, seen),
    });
    await api.feed({ limit: 5, cursor: 'abc' });
    expect(seen.url).toBe('http://api.test/api/feed?limit=5&cursor=abc');
    expect(seen.headers!.get('authorization')).toBe('Bearer tok');
    await api.createPost({ body: 'hi' });
    expect(seen.method).toBe('POST');
    expect(JSON.parse(seen.body!)).toEqual({ body: 'hi' });
  });

  it('omits the authorization header when signed out', async () => {
    const seen: Seen = {};
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: async () => null,
      fetch: fakeFetch(200, {}, seen),
    });
    await api.profile('demo.luna');
    expect(seen.headers!.get('authorization')).toBeNull();
    await api.health();
    expect(seen.url).toBe('http://api.test/api/health');
  });

  it('turns the API error shape into ApiClientError with code, details and request id', async () => {
    const body = {
      error: {
        code: 'validation_failed',
        message: 'handle: bad',
        details: { fields: [{ path: 'handle' }] },
        request_id: 'r1',
      },
    };
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => null,
      fetch: fakeFetch(400, body, {}),
    });
    const err = await api.updateProfile({ handle: 'X' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect(err).toMatchObject({
      status: 400,
      code: 'validation_failed',
      requestId: 'r1',
      details: { fields: [{ path: 'handle' }] },
    });
  });

  it('handles 204 and builds the realtime URL', async () => {
    const api = createApiClient({
      baseUrl: 'https://api.test',
      getAccessToken: () => 't',
      fetch: fakeFetch(204, undefined, {}),
    });
    await expect(api.deletePost('p1')).resolves.toBeUndefined();
    expect(api.realtimeUrl()).toBe('wss://api.test/realtime/v1/websocket');
    expect(JSON.parse(api.realtimeAuthFrame('a b'))).toEqual({ type: 'auth', access_token: 'a b' });
  });

  it('pages conversation messages by cursor for catch-up', async () => {
    const seen: Seen = {};
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => 't',
      fetch: fakeFetch(200, { items: [], next_cursor: null }, seen),
    });
    await api.messages('c1', { after: 'cur', limit: 10 });
    expect(seen.url).toBe('http://api.test/api/conversations/c1/messages?after=cur&limit=10');
    await api.respondToConversation('c1', 'block');
    expect(seen.url).toBe('http://api.test/api/conversations/c1/block');
    expect(seen.method).toBe('POST');
  });

  it('sends the Idempotency-Key of a spending call and encodes path parameters', async () => {
    const seen: Seen = {};
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => 't',
      fetch: fakeFetch(200, { transaction_id: 'x', replayed: false, balance: 1 }, seen),
    });
    await api.unlockPost('a/b', 'key-1');
    expect(seen.url).toBe('http://api.test/api/posts/a%2Fb/unlock');
    expect(seen.headers!.get('idempotency-key')).toBe('key-1');
    await api.me();
    expect(seen.headers!.get('idempotency-key')).toBeNull();
  });

  it('reports an answer without the API error shape by its status', async () => {
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => null,
      fetch: async () => new Response('bad gateway', { status: 502 }),
    });
    await expect(api.me()).rejects.toMatchObject({ status: 502, code: 'http_error' });
  });
});
