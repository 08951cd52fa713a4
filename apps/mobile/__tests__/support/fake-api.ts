// Stands in for the typed API client (createApiClient) at the module boundary.
import type { SubscribeResult, Tier } from '@ipelya/api-client';
import type {
  BlockedProfile,
  Checkout,
  CoinPackage,
  ContactsStatus,
  Conversation,
  ConversationTimer,
  Earnings,
  Me,
  Message,
  OwnProfile,
  Persona,
  Post,
  PublicProfile,
  RegisterDevice,
  ReportScreenshot,
  ScreenshotReported,
  SendMessageInput,
  SessionInfo,
  ShadowState,
  SpendResult,
  StartCheckout,
  StorePurchaseResult,
  Subscription,
  TipInput,
  UploadContacts,
  Wallet,
} from '@ipelya/contracts';

let seq = 0;
function uuid(): string {
  seq += 1;
  return `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
}

export function makeCreator(handle: string, patch: Partial<PublicProfile> = {}): PublicProfile {
  return {
    id: uuid(),
    kind: 'real',
    handle,
    display_name: handle.replace('demo.', '').replace(/^./, (c) => c.toUpperCase()),
    bio: `Bio of ${handle}`,
    avatar_media_id: null,
    is_creator: true,
    is_demo: true,
    followers_count: 10,
    is_following: false,
    created_at: '2026-11-01T10:00:00.000Z',
    ...patch,
  };
}

export function makePost(body: string, author = makeCreator('demo.luna'), patch: Partial<Post> = {}): Post {
  return {
    id: uuid(),
    author: {
      id: author.id,
      kind: author.kind,
      handle: author.handle,
      display_name: author.display_name,
      avatar_media_id: null,
    },
    body,
    visibility: 'public',
    price_coins: null,
    status: 'published',
    publish_at: null,
    published_at: '2026-11-20T10:00:00.000Z',
    unlocked: true,
    media_ids: [],
    blurred: false,
    is_demo: true,
    created_at: '2026-11-20T10:00:00.000Z',
    ...patch,
  };
}

function ownProfile(kind: Persona, handle: string, name: string): OwnProfile {
  return {
    id: uuid(),
    kind,
    handle,
    display_name: name,
    bio: '',
    avatar_media_id: null,
    is_creator: false,
    created_at: '2026-11-01T10:00:00.000Z',
  };
}

export function makeMe(persona: Persona): Me {
  const real = ownProfile('real', 'ayse', 'Ayşe Yılmaz');
  const shadow = ownProfile('shadow', 'night.owl', 'Night Owl');
  return {
    persona,
    active_profile: persona === 'shadow' ? shadow : real,
    real_profile: real,
    shadow_profile: shadow,
    age_verified: true,
    is_admin: false,
    email: 'ayse@example.com',
    phone: null,
  };
}

export function makeSessionInfo(patch: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id: uuid(),
    created_at: '2026-11-20T12:00:00.000Z',
    updated_at: null,
    user_agent: null,
    ip: null,
    device_id: null,
    persona: 'real',
    current: false,
    ...patch,
  };
}

export function makePackage(
  code: string,
  coins: number,
  prices: Record<string, number>,
  patch: Partial<CoinPackage> = {},
): CoinPackage {
  return { id: uuid(), code, coins, prices, apple_product_id: null, google_product_id: null, ...patch };
}

/** What the server answers for a verified store purchase. */
export function storeResult(coins: number, credited = true): StorePurchaseResult & { consumed: boolean } {
  return {
    purchase: {
      id: uuid(),
      provider: 'apple',
      status: 'succeeded',
      coins,
      amount_minor: 199,
      currency: 'USD',
      created_at: '2026-11-24T10:00:00.000Z',
    },
    credited,
    consumed: true,
  };
}

export function makeTier(creatorId: string, patch: Partial<Tier> = {}): Tier {
  return {
    id: uuid(),
    creator_id: creatorId,
    name: 'Gold',
    price_coins: 50,
    trial_days: 0,
    active: true,
    ...patch,
  };
}

export function makeSubscription(tier: Tier, patch: Partial<Subscription> = {}): Subscription {
  return {
    id: uuid(),
    creator_id: tier.creator_id,
    tier_id: tier.id,
    status: 'active',
    current_period_end: '2026-12-24T10:00:00.000Z',
    cancel_at_period_end: false,
    grace_until: null,
    ...patch,
  };
}

export function spendResult(balance: number): SpendResult {
  return { transaction_id: uuid(), replayed: false, balance };
}

export function makeMessage(
  conversationId: string,
  senderId: string,
  body: string,
  patch: Partial<Message> = {},
): Message {
  const id = uuid();
  const created_at = patch.created_at ?? new Date(Date.UTC(2026, 10, 24, 10, 0, seq)).toISOString();
  return {
    id,
    conversation_id: conversationId,
    sender_id: senderId,
    kind: 'text',
    body,
    media_id: null,
    price_coins: null,
    locked: false,
    created_at,
    expires_at: null,
    view_once: false,
    cursor: `cursor-${id}`,
    ...patch,
  };
}

export function makeConversation(
  other: { id: string; handle: string; display_name: string } | null,
  patch: Partial<Conversation> = {},
): Conversation {
  return {
    id: uuid(),
    kind: 'real',
    state: 'active',
    other,
    last_message: null,
    last_read_at: null,
    other_last_read_at: null,
    unread_count: 0,
    timer: 'off',
    ...patch,
  };
}

export function makeContactsStatus(patch: Partial<ContactsStatus> = {}): ContactsStatus {
  return { enabled: false, count: 0, hash_key: 'test-hash-key', updated_at: null, ...patch };
}

export function makeShadowState(patch: Partial<ShadowState> = {}): ShadowState {
  return { shadow: 'active', persona: 'real', session: null, refresh_required: false, ...patch };
}

/** The API's error for a status (410 already opened, 404…), as the real client throws it. */
export function apiError(status: number, code: string, message = code): Error {
  // The real class (this module is loaded while @ipelya/api-client's mock is being built).
  const { ApiClientError } = jest.requireActual<typeof import('@ipelya/api-client')>('@ipelya/api-client');
  return new ApiClientError(status, code, message);
}

type PostPage = { items: Post[]; next_cursor: string | null };
type ProfilePage = { items: PublicProfile[]; next_cursor: string | null };

function defaults() {
  return {
    me: async (): Promise<Me> => makeMe('real'),
    switchPersona: async (
      _persona: Persona,
    ): Promise<
      { access_token: string; refresh_token: string } | { persona: Persona; refresh_required: true }
    > => {
      throw new Error('switchPersona not stubbed');
    },
    feed: async (_q?: { cursor?: string; limit?: number }): Promise<PostPage> => ({
      items: [],
      next_cursor: null,
    }),
    creators: async (_q?: unknown): Promise<ProfilePage> => ({ items: [], next_cursor: null }),
    profile: async (handle: string): Promise<PublicProfile> => makeCreator(handle),
    profilePosts: async (_handle: string, _q?: unknown): Promise<PostPage> => ({
      items: [],
      next_cursor: null,
    }),
    follow: async (_id: string): Promise<{ following: boolean }> => ({ following: true }),
    unfollow: async (_id: string): Promise<{ following: boolean }> => ({ following: false }),
    reportScreenshot: async (_input: ReportScreenshot): Promise<ScreenshotReported> => ({ notified: 1 }),
    registerDevice: async (_input: RegisterDevice): Promise<{ id: string }> => ({ id: uuid() }),
    sessions: async (): Promise<{ items: SessionInfo[] }> => ({
      items: [makeSessionInfo({ current: true })],
    }),
    revokeSession: async (_id: string): Promise<void> => undefined,
    wallet: async (_q?: { cursor?: string; limit?: number }): Promise<Wallet> => ({
      balance: 0,
      in_debt: false,
      history: [],
      next_cursor: null,
    }),
    coinPackages: async (): Promise<{ items: CoinPackage[] }> => ({ items: [] }),
    unlockPost: async (_id: string, _key: string): Promise<SpendResult> => spendResult(0),
    tip: async (_input: TipInput, _key: string): Promise<SpendResult> => spendResult(0),
    subscribe: async (_tierId: string, _key: string): Promise<SubscribeResult> => {
      throw new Error('subscribe not stubbed');
    },
    subscriptions: async (): Promise<{ items: Subscription[] }> => ({ items: [] }),
    cancelSubscription: async (_creatorId: string): Promise<Subscription> => {
      throw new Error('cancelSubscription not stubbed');
    },
    creatorTiers: async (_creatorId: string): Promise<{ items: Tier[] }> => ({ items: [] }),
    earnings: async (): Promise<Earnings> => ({ pending: 0, available: 0, in_payout: 0, recent: [] }),
    startCheckout: async (_input: StartCheckout, _idempotencyKey: string): Promise<Checkout> => {
      throw new Error('startCheckout not stubbed');
    },
    submitApplePurchase: async (_signedTransaction: string): Promise<StorePurchaseResult> => {
      throw new Error('submitApplePurchase not stubbed');
    },
    submitGooglePurchase: async (
      _productId: string,
      _purchaseToken: string,
    ): Promise<StorePurchaseResult & { consumed: boolean }> => {
      throw new Error('submitGooglePurchase not stubbed');
    },
    conversations: async (): Promise<{ conversations: Conversation[]; requests: Conversation[] }> => ({
      conversations: [],
      requests: [],
    }),
    conversation: async (_id: string): Promise<Conversation> => {
      throw apiError(404, 'not_found');
    },
    startConversation: async (_profileId: string): Promise<Conversation> => {
      throw new Error('startConversation not stubbed');
    },
    messages: async (
      _id: string,
      _q?: { after?: string; before?: string; limit?: number },
    ): Promise<{ items: Message[]; next_cursor: string | null }> => ({ items: [], next_cursor: null }),
    sendMessage: async (_id: string, _input: SendMessageInput): Promise<Message> => {
      throw new Error('sendMessage not stubbed');
    },
    setConversationTimer: async (
      id: string,
      timer: ConversationTimer,
    ): Promise<{ conversation_id: string; timer: ConversationTimer }> => ({ conversation_id: id, timer }),
    openViewOnce: async (_messageId: string): Promise<{ url: string; expires_at: string }> => {
      throw new Error('openViewOnce not stubbed');
    },
    markRead: async (_id: string): Promise<unknown> => ({}),
    shadowState: async (): Promise<ShadowState> => makeShadowState(),
    shadowOff: async (): Promise<ShadowState> => makeShadowState({ shadow: 'off' }),
    shadowOn: async (): Promise<ShadowState> => makeShadowState(),
    deleteAccount: async (): Promise<void> => undefined,
    unlockMessage: async (_id: string, _key: string): Promise<SpendResult> => spendResult(0),
    mediaUrl: async (mediaId: string): Promise<{ url: string; expires_at: string }> => ({
      url: `https://media.example/${mediaId}.jpg?sig=test`,
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    }),
    respondToConversation: async (
      _id: string,
      _action: 'accept' | 'decline' | 'block',
    ): Promise<Conversation> => {
      throw new Error('respondToConversation not stubbed');
    },
    block: async (_profileId: string): Promise<BlockedProfile> => {
      throw new Error('block not stubbed');
    },
    unblock: async (_profileId: string): Promise<void> => undefined,
    blocks: async (): Promise<{ items: BlockedProfile[] }> => ({ items: [] }),
    contactsStatus: async (): Promise<ContactsStatus> => makeContactsStatus(),
    uploadContacts: async (input: UploadContacts): Promise<ContactsStatus> =>
      makeContactsStatus({ enabled: true, count: input.hashes.length }),
    deleteContacts: async (): Promise<ContactsStatus> => makeContactsStatus(),
    /** The generic escape hatch; only GET /api/devices goes through it today. */
    request: async (method: string, path: string, _body?: unknown): Promise<unknown> => {
      if (method === 'GET' && path === '/api/devices') return { items: [] };
      throw new Error(`request ${method} ${path} not stubbed`);
    },
    realtimeUrl: (): string => 'ws://localhost:54321/realtime/v1/websocket',
    realtimeAuthFrame: (token: string): string => JSON.stringify({ type: 'auth', access_token: token }),
  };
}
type Api = ReturnType<typeof defaults>;
type Mocked<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? jest.Mock<R, A> : never };

export const api = Object.fromEntries(
  Object.entries(defaults()).map(([k, fn]) => [k, jest.fn(fn as (...args: unknown[]) => unknown)]),
) as unknown as Mocked<Api>;

export const createApiClient = jest.fn((_opts: { headers?: Record<string, string> }) => api);

/** Puts every API method back to its default answer and forgets recorded calls. */
export function resetFakeApi() {
  const d = defaults() as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [k, fn] of Object.entries(api) as [string, jest.Mock][])
    fn.mockReset().mockImplementation(d[k] as never);
}
