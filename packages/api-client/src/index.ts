import type { RealtimeAuthMessage } from '@ipelya/contracts';
import { ApiErrorSchema } from '@ipelya/contracts';
import createClient from 'openapi-fetch';
import type { paths } from './generated/openapi.gen.ts';

// Every path, body, query and answer below is checked against the server's own OpenAPI document
// (`npm run api:generate` writes ./generated/openapi.gen.ts; a server test fails while it is stale).
export type { components, paths } from './generated/openapi.gen.ts';

export type Page<T> = { items: T[]; next_cursor: string | null };

/** Thrown for any non-2xx answer; carries the API's error shape. */
export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export type ApiClientOptions = {
  /** Server origin, e.g. http://localhost:54321 */
  baseUrl: string;
  /** Returns the current access token (from supabase-js), or null when signed out. */
  getAccessToken: () => Promise<string | null> | string | null;
  /** Called with one Request (and no init) per call. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
};

/** Per-call options; a spending call passes the key of the user action so a retry never charges twice. */
export type RequestOptions = { idempotencyKey?: string };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The JSON body an operation takes. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The query parameters an operation takes. */
export type QueryParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** What openapi-fetch resolves to, reduced to what unwrapping needs. */
type Outcome<D> = { data?: D; error?: unknown; response: Response };

function apiError(response: Response, body: unknown): ApiClientError {
  const parsed = ApiErrorSchema.safeParse(body);
  if (!parsed.success) return new ApiClientError(response.status, 'http_error', `HTTP ${response.status}`);
  const { code, message, details, request_id } = parsed.data.error;
  return new ApiClientError(response.status, code, message, details, request_id);
}

/** The answer's JSON, or ApiClientError for a non-2xx answer. */
async function json<D>(pending: Promise<Outcome<D>>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw apiError(response, error);
  if (data === undefined)
    throw new ApiClientError(response.status, 'empty_response', `HTTP ${response.status} without a body`);
  return data;
}

/** For operations that answer 204 No Content. */
async function empty(pending: Promise<Outcome<unknown>>): Promise<void> {
  const { error, response } = await pending;
  if (!response.ok) throw apiError(response, error);
}

/** The typed client both apps use for everything except auth (which goes through supabase-js). */
export function createApiClient(opts: ApiClientOptions) {
  const base = opts.baseUrl.replace(/\/$/, '');
  const doFetch = opts.fetch ?? fetch;
  const http = createClient<paths>({
    baseUrl: `${base}/api`,
    // A wrapper, not the function itself: a `fetch` swapped later (tests, polyfills) is still the one used.
    fetch: (request) => doFetch(request),
    headers: { accept: 'application/json', ...opts.headers },
  });
  http.use({
    async onRequest({ request }) {
      const token = await opts.getAccessToken();
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  // The document declares the header on every spending operation, so its name is checked too.
  const idempotency = (key: string) => ({ header: { 'idempotency-key': key } });
  const id = (value: string) => ({ path: { id: value } });

  return {
    health: () => json(http.GET('/health')),
    me: () => json(http.GET('/me')),
    /** Embedded auth answers a fresh session (setSession it); Supabase Auth answers refresh_required. */
    switchPersona: (persona: RequestBody<'/personas/switch', 'post'>['persona']) =>
      json(http.POST('/personas/switch', { body: { persona } })),
    verifyAge: (birth_date: string) => json(http.POST('/account/age', { body: { birth_date } })),
    becomeCreator: () => json(http.POST('/profiles/me/creator')),
    updateProfile: (patch: RequestBody<'/profiles/me', 'patch'>) =>
      json(http.PATCH('/profiles/me', { body: patch })),
    profile: (handle: string) => json(http.GET('/profiles/{handle}', { params: { path: { handle } } })),
    profilePosts: (handle: string, query: QueryParams<'/profiles/{handle}/posts', 'get'> = {}) =>
      json(http.GET('/profiles/{handle}/posts', { params: { path: { handle }, query } })),
    creators: (query: QueryParams<'/creators', 'get'> = {}) =>
      json(http.GET('/creators', { params: { query } })),
    follow: (profileId: string) => json(http.PUT('/follows/{id}', { params: id(profileId) })),
    unfollow: (profileId: string) => json(http.DELETE('/follows/{id}', { params: id(profileId) })),
    feed: (query: QueryParams<'/feed', 'get'> = {}) => json(http.GET('/feed', { params: { query } })),
    createPost: (input: RequestBody<'/posts', 'post'>) => json(http.POST('/posts', { body: input })),
    myPosts: (query: QueryParams<'/posts/mine', 'get'> = {}) =>
      json(http.GET('/posts/mine', { params: { query } })),
    post: (postId: string) => json(http.GET('/posts/{id}', { params: id(postId) })),
    updatePost: (postId: string, patch: RequestBody<'/posts/{id}', 'patch'>) =>
      json(http.PATCH('/posts/{id}', { params: id(postId), body: patch })),
    deletePost: (postId: string) => empty(http.DELETE('/posts/{id}', { params: id(postId) })),
    report: (input: RequestBody<'/reports', 'post'>) => json(http.POST('/reports', { body: input })),
    reportScreenshot: (input: RequestBody<'/screenshots', 'post'>) =>
      json(http.POST('/screenshots', { body: input })),
    notifications: (query: QueryParams<'/notifications', 'get'> = {}) =>
      json(http.GET('/notifications', { params: { query } })),
    createUpload: (input: RequestBody<'/storage/uploads', 'post'>) =>
      json(http.POST('/storage/uploads', { body: input })),
    completeUpload: (mediaId: string) =>
      json(http.POST('/storage/uploads/{id}/complete', { params: id(mediaId) })),
    mediaUrl: (mediaId: string) => json(http.GET('/media/{id}/url', { params: id(mediaId) })),
    registerDevice: (input: RequestBody<'/devices', 'post'>) => json(http.POST('/devices', { body: input })),
    devices: () => json(http.GET('/devices')),
    sessions: () => json(http.GET('/sessions')),
    revokeSession: (sessionId: string) => empty(http.DELETE('/sessions/{id}', { params: id(sessionId) })),
    coinPackages: () => json(http.GET('/coin-packages')),
    /** Balance (negative = in debt) and the active persona's history, newest first. */
    wallet: (query: QueryParams<'/wallet', 'get'> = {}) => json(http.GET('/wallet', { params: { query } })),
    /** Spends the post's price once per key; the answer carries the post as it now reads (unlocked). */
    unlockPost: (postId: string, idempotencyKey: string) =>
      json(http.POST('/posts/{id}/unlock', { params: { ...id(postId), ...idempotency(idempotencyKey) } })),
    tip: (input: RequestBody<'/tips', 'post'>, idempotencyKey: string) =>
      json(http.POST('/tips', { body: input, params: idempotency(idempotencyKey) })),
    subscribe: (tierId: string, idempotencyKey: string) =>
      json(http.POST('/subscriptions', { body: { tier_id: tierId }, params: idempotency(idempotencyKey) })),
    subscriptions: () => json(http.GET('/subscriptions')),
    /** Cancels at the period end; the path takes the creator's profile id. */
    cancelSubscription: (creatorId: string) =>
      json(http.DELETE('/subscriptions/{id}', { params: id(creatorId) })),
    creatorTiers: (creatorId: string) => json(http.GET('/creators/{id}/tiers', { params: id(creatorId) })),
    /** Creates a subscription tier of the active creator persona. */
    createTier: (input: RequestBody<'/tiers', 'post'>) => json(http.POST('/tiers', { body: input })),
    earnings: () => json(http.GET('/earnings')),
    /**
     * Starts a hosted/web checkout for a coin package; store purchases use the app stores instead. The same
     * Idempotency-Key and input answer the same checkout; retry an unchanged purchase with the same key.
     */
    startCheckout: (input: RequestBody<'/purchases/checkout', 'post'>, idempotencyKey: string) =>
      json(http.POST('/purchases/checkout', { body: input, params: idempotency(idempotencyKey) })),
    /** A StoreKit 2 transaction's JWS; the server verifies it and credits the account in its appAccountToken once. */
    submitApplePurchase: (signedTransaction: string) =>
      json(http.POST('/purchases/apple', { body: { signed_transaction: signedTransaction } })),
    /** A Play Billing purchase; the server verifies, credits once and consumes it (the app must not consume). */
    submitGooglePurchase: (productId: string, purchaseToken: string) =>
      json(
        http.POST('/purchases/google', { body: { product_id: productId, purchase_token: purchaseToken } }),
      ),
    /** The active creator persona's payouts, each with its status history (oldest step first). */
    payouts: () => json(http.GET('/payouts')),
    adminPayouts: (query: QueryParams<'/admin/payouts', 'get'> = {}) =>
      json(http.GET('/admin/payouts', { params: { query } })),
    approvePayout: (payoutId: string) =>
      json(http.POST('/admin/payouts/{id}/approve', { params: id(payoutId) })),
    adminFraudCases: (query: QueryParams<'/admin/fraud', 'get'> = {}) =>
      json(http.GET('/admin/fraud', { params: { query } })),
    /** Closes a case in the subject's favour (release) or against it (block). */
    resolveFraudCase: (caseId: string, action: 'release' | 'block') =>
      action === 'release'
        ? json(http.POST('/admin/fraud/{id}/release', { params: id(caseId) }))
        : json(http.POST('/admin/fraud/{id}/block', { params: id(caseId) })),
    /** Coin packages for admins: every package (archived too), create, change, take off sale. */
    adminCoinPackages: () => json(http.GET('/admin/coin-packages')),
    createCoinPackage: (input: RequestBody<'/admin/coin-packages', 'post'>) =>
      json(http.POST('/admin/coin-packages', { body: input })),
    updateCoinPackage: (packageId: string, patch: RequestBody<'/admin/coin-packages/{id}', 'patch'>) =>
      json(http.PATCH('/admin/coin-packages/{id}', { params: id(packageId), body: patch })),
    archiveCoinPackage: (packageId: string) =>
      json(http.POST('/admin/coin-packages/{id}/archive', { params: id(packageId) })),
    /** The reconciliation queue for admins: paid sessions matching no purchase, held amount mismatches. */
    adminReconciliation: (query: QueryParams<'/admin/reconciliation', 'get'> = {}) =>
      json(http.GET('/admin/reconciliation', { params: { query } })),
    /** credit (held amount mismatch only), reject or dismiss; a second decision answers 409. */
    resolveReconciliation: (
      itemId: string,
      body: RequestBody<'/admin/reconciliation/{id}/resolve', 'post'>,
    ) => json(http.POST('/admin/reconciliation/{id}/resolve', { params: id(itemId), body })),
    conversations: () => json(http.GET('/conversations')),
    startConversation: (profileId: string) =>
      json(http.POST('/conversations', { body: { profile_id: profileId } })),
    conversation: (conversationId: string) =>
      json(http.GET('/conversations/{id}', { params: id(conversationId) })),
    /** `after`: catch-up after a reconnect (oldest first); `before`: scroll back (newest first). */
    messages: (conversationId: string, query: QueryParams<'/conversations/{id}/messages', 'get'> = {}) =>
      json(http.GET('/conversations/{id}/messages', { params: { path: { id: conversationId }, query } })),
    sendMessage: (conversationId: string, input: RequestBody<'/conversations/{id}/messages', 'post'>) =>
      json(http.POST('/conversations/{id}/messages', { params: id(conversationId), body: input })),
    setConversationTimer: (
      conversationId: string,
      timer: RequestBody<'/conversations/{id}/timer', 'put'>['timer'],
    ) => json(http.PUT('/conversations/{id}/timer', { params: id(conversationId), body: { timer } })),
    /** Opens a view-once message: a short-lived URL the first time, 410 Gone afterwards. */
    openViewOnce: (messageId: string) => json(http.POST('/messages/{id}/open', { params: id(messageId) })),
    /** Blocks a persona as the active persona (hidden from it everywhere); unblock lifts it. */
    block: (profileId: string) => json(http.POST('/blocks', { body: { profile_id: profileId } })),
    unblock: (profileId: string) => empty(http.DELETE('/blocks/{id}', { params: id(profileId) })),
    /** Personas the active persona has blocked, newest first. */
    blocks: () => json(http.GET('/blocks')),
    /** Whether the contacts firewall is on, and the key to hash the address book with. */
    contactsStatus: () => json(http.GET('/contacts')),
    /** Uploads keyed hashes of address-book entries (hashContacts from @ipelya/contracts); opt-in. */
    uploadContacts: (input: RequestBody<'/contacts', 'put'>) => json(http.PUT('/contacts', { body: input })),
    /** Deletes every uploaded contact hash (turns the contacts firewall off). */
    deleteContacts: () => json(http.DELETE('/contacts')),
    /** Profiles of the active persona's own kind whose handle or name starts with q. */
    searchProfiles: (q: string, limit?: number) =>
      json(http.GET('/search/profiles', { params: { query: { q, limit } } })),
    /** Whether the shadow persona is on. */
    shadowState: () => json(http.GET('/personas/shadow')),
    /** Switches the shadow persona off (hidden from everyone, caches purged); a shadow session moves to real. */
    shadowOff: () => json(http.POST('/personas/shadow/off')),
    shadowOn: () => json(http.POST('/personas/shadow/on')),
    /** Unlocks a paid message; the key of the user action makes a retry free. */
    unlockMessage: (messageId: string, idempotencyKey: string) =>
      json(
        http.POST('/messages/{id}/unlock', { params: { ...id(messageId), ...idempotency(idempotencyKey) } }),
      ),
    /** Irreversibly deletes the account: both personas and everything they own. */
    deleteAccount: () => empty(http.POST('/account/delete', { body: { confirm: 'delete my account' } })),
    markRead: (conversationId: string) =>
      json(http.POST('/conversations/{id}/read', { params: id(conversationId) })),
    respondToConversation: (conversationId: string, action: 'accept' | 'decline' | 'block') =>
      json(http.POST('/conversations/{id}/{action}', { params: { path: { id: conversationId, action } } })),
    /** WebSocket URL for realtime events. It carries no token: send `realtimeAuthFrame` first, on open. */
    realtimeUrl: () => `${base.replace(/^http/, 'ws')}/realtime/v1/websocket`,
    /** The first frame of a realtime socket (URLs end up in logs, frames do not). */
    realtimeAuthFrame: (accessToken: string) =>
      JSON.stringify({ type: 'auth', access_token: accessToken } satisfies RealtimeAuthMessage),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
/** What a client method resolves to. */
export type ApiResult<K extends keyof ApiClient> = Awaited<ReturnType<ApiClient[K]>>;

// Names for answers that @ipelya/contracts exports no type for; derived, never written out. Answers that
// have a contract type (FraudCase, UnlockPostResult, Post…) are imported from @ipelya/contracts instead.
/** A creator's subscription tier. */
export type Tier = ApiResult<'creatorTiers'>['items'][number];
export type SubscribeResult = ApiResult<'subscribe'>;
export type Device = ApiResult<'devices'>['items'][number];

export { queryKeys } from './query-keys.ts';
