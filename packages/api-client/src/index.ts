import type {
  AdminCoinPackage,
  AuthSession,
  BlockedProfile,
  Checkout,
  CoinPackage,
  ContactsStatus,
  Conversation,
  ConversationTimer,
  CreateCoinPackage,
  CreatePost,
  CreateReport,
  CreateUpload,
  Earnings,
  Me,
  Message,
  Notification,
  Payout,
  PayoutStatus,
  Persona,
  Post,
  PublicProfile,
  RealtimeAuthMessage,
  ReconciliationItem,
  ReconciliationListQuery,
  ReconciliationResult,
  RegisterDevice,
  ReportScreenshot,
  ResolveReconciliation,
  ScreenshotReported,
  SendMessageInput,
  SessionInfo,
  ShadowState,
  SpendResult,
  StartCheckout,
  StorePurchaseResult,
  Subscription,
  TierSchema,
  TipInput,
  UpdateCoinPackage,
  UpdatePost,
  UpdateProfile,
  UploadContacts,
  Wallet,
} from '@ipelya/contracts';
import { IDEMPOTENCY_HEADER } from '@ipelya/contracts';

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
  fetch?: typeof fetch;
  headers?: Record<string, string>;
};

type Query = Record<string, string | number | undefined | null>;
/** Per-call options; a spending call passes the key of the user action so a retry never charges twice. */
export type RequestOptions = { idempotencyKey?: string };
/** A creator's subscription tier (the contract exports only the schema). */
export type Tier = ReturnType<typeof TierSchema.parse>;
/** A fraud-review case (admin view); reasons list the rules that fired. */
export type FraudCase = {
  id: string;
  subject_type: 'purchase' | 'spend' | 'account' | 'payout';
  subject_id: string | null;
  score: number;
  outcome: 'allow' | 'review' | 'block';
  reasons: { rule: string; detail: string }[];
  status: 'open' | 'released' | 'blocked' | 'closed';
  created_at: string;
};
export type SubscribeResult = { subscription: Subscription; replayed: boolean; balance: number };

/** The typed client both apps use for everything except auth (which goes through supabase-js). */
export function createApiClient(opts: ApiClientOptions) {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    query?: Query,
    options: RequestOptions = {},
  ): Promise<T> {
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const token = await opts.getAccessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers[IDEMPOTENCY_HEADER] = options.idempotencyKey;
    const res = await doFetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (
        json as { error?: { code?: string; message?: string; details?: unknown; request_id?: string } }
      )?.error;
      throw new ApiClientError(
        res.status,
        err?.code ?? 'http_error',
        err?.message ?? `HTTP ${res.status}`,
        err?.details,
        err?.request_id,
      );
    }
    return json as T;
  }

  const enc = encodeURIComponent;
  return {
    request,
    health: () => request<{ ok: boolean; database: string; vector: boolean }>('GET', '/api/health'),
    me: () => request<Me>('GET', '/api/me'),
    /** Embedded auth answers a fresh session (setSession it); Supabase Auth answers refresh_required. */
    switchPersona: (persona: Persona) =>
      request<AuthSession | { persona: Persona; refresh_required: true }>('POST', '/api/personas/switch', {
        persona,
      }),
    verifyAge: (birth_date: string) => request<Me>('POST', '/api/account/age', { birth_date }),
    becomeCreator: () => request<Me>('POST', '/api/profiles/me/creator'),
    updateProfile: (patch: UpdateProfile) => request<Me>('PATCH', '/api/profiles/me', patch),
    profile: (handle: string) => request<PublicProfile>('GET', `/api/profiles/${enc(handle)}`),
    profilePosts: (handle: string, q: { cursor?: string; limit?: number } = {}) =>
      request<Page<Post>>('GET', `/api/profiles/${enc(handle)}/posts`, undefined, q),
    creators: (q: { cursor?: string; limit?: number } = {}) =>
      request<Page<PublicProfile>>('GET', '/api/creators', undefined, q),
    follow: (profileId: string) => request<{ following: true }>('PUT', `/api/follows/${enc(profileId)}`),
    unfollow: (profileId: string) =>
      request<{ following: false }>('DELETE', `/api/follows/${enc(profileId)}`),
    feed: (q: { cursor?: string; limit?: number } = {}) =>
      request<Page<Post>>('GET', '/api/feed', undefined, q),
    createPost: (input: CreatePost) => request<Post>('POST', '/api/posts', input),
    myPosts: (q: { cursor?: string; limit?: number } = {}) =>
      request<Page<Post>>('GET', '/api/posts/mine', undefined, q),
    post: (id: string) => request<Post>('GET', `/api/posts/${enc(id)}`),
    updatePost: (id: string, patch: UpdatePost) => request<Post>('PATCH', `/api/posts/${enc(id)}`, patch),
    deletePost: (id: string) => request<void>('DELETE', `/api/posts/${enc(id)}`),
    report: (input: CreateReport) => request<{ id: string }>('POST', '/api/reports', input),
    reportScreenshot: (input: ReportScreenshot) =>
      request<ScreenshotReported>('POST', '/api/screenshots', input),
    notifications: (q: { cursor?: string; limit?: number } = {}) =>
      request<Page<Notification>>('GET', '/api/notifications', undefined, q),
    createUpload: (input: CreateUpload) =>
      request<{ media_id: string; upload_url: string; method: 'PUT'; expires_at: string }>(
        'POST',
        '/api/storage/uploads',
        input,
      ),
    completeUpload: (mediaId: string) =>
      request<{ id: string; status: string; content_type: string }>(
        'POST',
        `/api/storage/uploads/${enc(mediaId)}/complete`,
      ),
    mediaUrl: (mediaId: string) =>
      request<{ url: string; expires_at: string }>('GET', `/api/media/${enc(mediaId)}/url`),
    registerDevice: (input: RegisterDevice) => request<{ id: string }>('POST', '/api/devices', input),
    devices: () =>
      request<{
        items: {
          id: string;
          install_id: string;
          platform: 'ios' | 'android' | 'web';
          attestation_status: string;
          created_at: string;
          last_seen_at: string;
        }[];
      }>('GET', '/api/devices'),
    sessions: () => request<{ items: SessionInfo[] }>('GET', '/api/sessions'),
    revokeSession: (id: string) => request<void>('DELETE', `/api/sessions/${enc(id)}`),
    coinPackages: () => request<{ items: CoinPackage[] }>('GET', '/api/coin-packages'),
    /** Balance (negative = in debt) and the active persona's history, newest first. */
    wallet: (q: { cursor?: string; limit?: number } = {}) =>
      request<Wallet>('GET', '/api/wallet', undefined, q),
    unlockPost: (id: string, idempotencyKey: string) =>
      request<SpendResult>('POST', `/api/posts/${enc(id)}/unlock`, undefined, undefined, { idempotencyKey }),
    tip: (input: TipInput, idempotencyKey: string) =>
      request<SpendResult>('POST', '/api/tips', input, undefined, { idempotencyKey }),
    subscribe: (tierId: string, idempotencyKey: string) =>
      request<SubscribeResult>('POST', '/api/subscriptions', { tier_id: tierId }, undefined, {
        idempotencyKey,
      }),
    subscriptions: () => request<{ items: Subscription[] }>('GET', '/api/subscriptions'),
    /** Cancels at the period end; the path takes the creator's profile id. */
    cancelSubscription: (creatorId: string) =>
      request<Subscription>('DELETE', `/api/subscriptions/${enc(creatorId)}`),
    creatorTiers: (creatorId: string) =>
      request<{ items: Tier[] }>('GET', `/api/creators/${enc(creatorId)}/tiers`),
    earnings: () => request<Earnings>('GET', '/api/earnings'),
    /** Starts a hosted/web checkout for a coin package; store purchases use the app stores instead. */
    /** The same Idempotency-Key and input answer the same checkout; retry an unchanged purchase with the same key. */
    startCheckout: (input: StartCheckout, idempotencyKey: string) =>
      request<Checkout>('POST', '/api/purchases/checkout', input, undefined, { idempotencyKey }),
    /** A StoreKit 2 transaction's JWS; the server verifies it and credits the account in its appAccountToken once. */
    submitApplePurchase: (signedTransaction: string) =>
      request<StorePurchaseResult>('POST', '/api/purchases/apple', { signed_transaction: signedTransaction }),
    /** A Play Billing purchase; the server verifies, credits once and consumes it (the app must not consume). */
    submitGooglePurchase: (productId: string, purchaseToken: string) =>
      request<StorePurchaseResult & { consumed: boolean }>('POST', '/api/purchases/google', {
        product_id: productId,
        purchase_token: purchaseToken,
      }),
    /** The active creator persona's payouts, each with its status history (oldest step first). */
    payouts: () => request<{ items: Payout[] }>('GET', '/api/payouts'),
    adminPayouts: (q: { status?: PayoutStatus; limit?: number } = {}) =>
      request<{ items: Payout[] }>('GET', '/api/admin/payouts', undefined, q),
    approvePayout: (id: string) => request<Payout>('POST', `/api/admin/payouts/${enc(id)}/approve`),
    adminFraudCases: (q: { status?: FraudCase['status']; limit?: number } = {}) =>
      request<{ items: FraudCase[] }>('GET', '/api/admin/fraud', undefined, q),
    /** Closes a case in the subject's favour (release) or against it (block). */
    resolveFraudCase: (id: string, action: 'release' | 'block') =>
      request<FraudCase>('POST', `/api/admin/fraud/${enc(id)}/${action}`),
    /** Coin packages for admins: every package (archived too), create, change, take off sale. */
    adminCoinPackages: () => request<{ items: AdminCoinPackage[] }>('GET', '/api/admin/coin-packages'),
    createCoinPackage: (input: CreateCoinPackage) =>
      request<AdminCoinPackage>('POST', '/api/admin/coin-packages', input),
    updateCoinPackage: (id: string, patch: UpdateCoinPackage) =>
      request<AdminCoinPackage>('PATCH', `/api/admin/coin-packages/${enc(id)}`, patch),
    archiveCoinPackage: (id: string) =>
      request<AdminCoinPackage>('POST', `/api/admin/coin-packages/${enc(id)}/archive`),
    /** The reconciliation queue for admins: paid sessions matching no purchase, held amount mismatches. */
    adminReconciliation: (q: ReconciliationListQuery = {}) =>
      request<{ items: ReconciliationItem[] }>('GET', '/api/admin/reconciliation', undefined, q),
    /** credit (held amount mismatch only), reject or dismiss; a second decision answers 409. */
    resolveReconciliation: (id: string, body: ResolveReconciliation) =>
      request<ReconciliationResult>('POST', `/api/admin/reconciliation/${enc(id)}/resolve`, body),
    conversations: () =>
      request<{ conversations: Conversation[]; requests: Conversation[] }>('GET', '/api/conversations'),
    startConversation: (profileId: string) =>
      request<Conversation>('POST', '/api/conversations', { profile_id: profileId }),
    conversation: (id: string) => request<Conversation>('GET', `/api/conversations/${enc(id)}`),
    /** `after`: catch-up after a reconnect (oldest first); `before`: scroll back (newest first). */
    messages: (id: string, q: { after?: string; before?: string; limit?: number } = {}) =>
      request<{ items: Message[]; next_cursor: string | null }>(
        'GET',
        `/api/conversations/${enc(id)}/messages`,
        undefined,
        q,
      ),
    sendMessage: (id: string, input: SendMessageInput) =>
      request<Message>('POST', `/api/conversations/${enc(id)}/messages`, input),
    setConversationTimer: (id: string, timer: ConversationTimer) =>
      request<{ conversation_id: string; timer: ConversationTimer }>(
        'PUT',
        `/api/conversations/${enc(id)}/timer`,
        { timer },
      ),
    /** Opens a view-once message: a short-lived URL the first time, 410 Gone afterwards. */
    openViewOnce: (messageId: string) =>
      request<{ url: string; expires_at: string }>('POST', `/api/messages/${enc(messageId)}/open`),
    /** Blocks a persona as the active persona (hidden from it everywhere); unblock lifts it. */
    block: (profileId: string) => request<BlockedProfile>('POST', '/api/blocks', { profile_id: profileId }),
    unblock: (profileId: string) => request<void>('DELETE', `/api/blocks/${enc(profileId)}`),
    /** Personas the active persona has blocked, newest first. */
    blocks: () => request<{ items: BlockedProfile[] }>('GET', '/api/blocks'),
    /** Whether the contacts firewall is on, and the key to hash the address book with. */
    contactsStatus: () => request<ContactsStatus>('GET', '/api/contacts'),
    /** Uploads keyed hashes of address-book entries (hashContacts from @ipelya/contracts); opt-in. */
    uploadContacts: (input: UploadContacts) => request<ContactsStatus>('PUT', '/api/contacts', input),
    /** Deletes every uploaded contact hash (turns the contacts firewall off). */
    deleteContacts: () => request<ContactsStatus>('DELETE', '/api/contacts'),
    /** Profiles of the active persona's own kind whose handle or name starts with q. */
    searchProfiles: (q: string, limit?: number) =>
      request<{ items: PublicProfile[] }>('GET', '/api/search/profiles', undefined, { q, limit }),
    /** Whether the shadow persona is on. */
    shadowState: () => request<ShadowState>('GET', '/api/personas/shadow'),
    /** Switches the shadow persona off (hidden from everyone, caches purged); a shadow session moves to real. */
    shadowOff: () => request<ShadowState>('POST', '/api/personas/shadow/off'),
    shadowOn: () => request<ShadowState>('POST', '/api/personas/shadow/on'),
    /** Unlocks a paid message; the key of the user action makes a retry free. */
    unlockMessage: (id: string, idempotencyKey: string) =>
      request<SpendResult>('POST', `/api/messages/${enc(id)}/unlock`, undefined, undefined, {
        idempotencyKey,
      }),
    /** Irreversibly deletes the account: both personas and everything they own. */
    deleteAccount: () => request<void>('POST', '/api/account/delete', { confirm: 'delete my account' }),
    markRead: (id: string) => request<unknown>('POST', `/api/conversations/${enc(id)}/read`),
    respondToConversation: (id: string, action: 'accept' | 'decline' | 'block') =>
      request<Conversation>('POST', `/api/conversations/${enc(id)}/${action}`),
    /** WebSocket URL for realtime events. It carries no token: send `realtimeAuthFrame` first, on open. */
    realtimeUrl: () => `${base.replace(/^http/, 'ws')}/realtime/v1/websocket`,
    /** The first frame of a realtime socket (URLs end up in logs, frames do not). */
    realtimeAuthFrame: (accessToken: string) =>
      JSON.stringify({ type: 'auth', access_token: accessToken } satisfies RealtimeAuthMessage),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
export { queryKeys } from './query-keys.ts';
