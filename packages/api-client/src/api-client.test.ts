import { describe, expect, it } from 'vitest';
import { ApiClientError, createApiClient } from './index.ts';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit }) {
  return (async (url: URL | string, init?: RequestInit) => {
    seen.url = String(url);
    seen.init = init;
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
}

describe('typed API client', () => {
  it('sends the bearer token, JSON body and query parameters', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const api = createApiClient({
      baseUrl: 'http://api.test/',
      getAccessToken: () => 'tok',
      fetch: fakeFetch(200, { items: [], next_cursor: null }, seen),
    });
    await api.feed({ limit: 5, cursor: 'abc' });
    expect(seen.url).toBe('http://api.test/api/feed?limit=5&cursor=abc');
    expect((seen.init!.headers as Record<string, string>).authorization).toBe('Bearer tok');
    await api.createPost({ body: 'hi' });
    expect(seen.init!.method).toBe('POST');
    expect(JSON.parse(String(seen.init!.body))).toEqual({ body: 'hi' });
  });

  it('omits the authorization header when signed out', async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: async () => null,
      fetch: fakeFetch(200, {}, seen),
    });
    await api.profile('demo.luna');
    expect((seen.init!.headers as Record<string, string>).authorization).toBeUndefined();
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
    const seen: { url?: string; init?: RequestInit } = {};
    const api = createApiClient({
      baseUrl: 'http://api.test',
      getAccessToken: () => 't',
      fetch: fakeFetch(200, { items: [], next_cursor: null }, seen),
    });
    await api.messages('c1', { after: 'cur', limit: 10 });
    expect(seen.url).toBe('http://api.test/api/conversations/c1/messages?after=cur&limit=10');
    await api.respondToConversation('c1', 'block');
    expect(seen.url).toBe('http://api.test/api/conversations/c1/block');
    expect(seen.init!.method).toBe('POST');
  });
});
