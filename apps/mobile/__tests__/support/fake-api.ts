// Stands in for the typed API client (createApiClient) at the module boundary.
import type { ApiClient, Tier } from '@ipelya/api-client';
import type {
  CoinPackage,
  ContactsStatus,
  Conversation,
  Me,
  Message,
  OwnProfile,
  Persona,
  Post,
  PublicProfile,
  SessionInfo,
  ShadowState,
  SpendResult,
  StorePurchaseResult,
  Subscription,
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

/**
 * The default answer of every faked method. `satisfies` types each one by the real client: a method the
 * client does not have, or a changed parameter or answer, fails this file's compile.
 */
function defaults() {
  return {
    me: async () => makeMe('real'),
    switchPersona: async () => {
      throw new Error('switchPersona not stubbed');
    },
    feed: async () => ({ items: [], next_cursor: null }),
    creators: async () => ({ items: [], next_cursor: null }),
    profile: async (handle) => makeCreator(handle),
    profilePosts: async () => ({ items: [], next_cursor: null }),
    follow: async () => ({ following: true as const }),
    unfollow: async () => ({ following: false as const }),
    reportScreenshot: async () => ({ notified: 1 }),
    registerDevice: async (input) => ({
      id: uuid(),
      install_id: input.install_id,
      platform: input.platform,
      attestation_status: 'none' as const,
      created_at: '2026-11-20T12:00:00.000Z',
      last_seen_at: '2026-11-20T12:00:00.000Z',
    }),
    devices: async () => ({ items: [] }),
    sessions: async () => ({ items: [makeSessionInfo({ current: true })] }),
    revokeSession: async () => undefined,
    wallet: async () => ({ balance: 0, in_debt: false, history: [], next_cursor: null }),
    coinPackages: async () => ({ items: [] }),
    unlockPost: async (postId) => ({
      ...spendResult(0),
      post: makePost('Unlocked words', undefined, { id: postId, visibility: 'ppv', price_coins: 10 }),
    }),
    tip: async () => spendResult(0),
    subscribe: async () => {
      throw new Error('subscribe not stubbed');
    },
    subscriptions: async () => ({ items: [] }),
    cancelSubscription: async () => {
      throw new Error('cancelSubscription not stubbed');
    },
    creatorTiers: async () => ({ items: [] }),
    earnings: async () => ({ pending: 0, available: 0, in_payout: 0, recent: [] }),
    startCheckout: async () => {
      throw new Error('startCheckout not stubbed');
    },
    submitApplePurchase: async () => {
      throw new Error('submitApplePurchase not stubbed');
    },
    submitGooglePurchase: async () => {
      throw new Error('submitGooglePurchase not stubbed');
    },
    conversations: async () => ({ conversations: [], requests: [] }),
    conversation: async () => {
      throw apiError(404, 'not_found');
    },
    startConversation: async () => {
      throw new Error('startConversation not stubbed');
    },
    messages: async () => ({ items: [], next_cursor: null }),
    sendMessage: async () => {
      throw new Error('sendMessage not stubbed');
    },
    setConversationTimer: async (id, timer) => ({ conversation_id: id, timer }),
    openViewOnce: async () => {
      throw new Error('openViewOnce not stubbed');
    },
    markRead: async (id) => ({
      conversation_id: id,
      profile_id: makeMe('real').active_profile.id,
      last_read_at: null,
    }),
    shadowState: async () => makeShadowState(),
    shadowOff: async () => makeShadowState({ shadow: 'off' }),
    shadowOn: async () => makeShadowState(),
    deleteAccount: async () => undefined,
    unlockMessage: async () => spendResult(0),
    mediaUrl: async (mediaId) => ({
      url: `https://media.example/${mediaId}.jpg?sig=test`,
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    }),
    respondToConversation: async () => {
      throw new Error('respondToConversation not stubbed');
    },
    block: async () => {
      throw new Error('block not stubbed');
    },
    unblock: async () => undefined,
    blocks: async () => ({ items: [] }),
    contactsStatus: async () => makeContactsStatus(),
    uploadContacts: async (input) => makeContactsStatus({ enabled: true, count: input.hashes.length }),
    deleteContacts: async () => makeContactsStatus(),
    realtimeUrl: () => 'ws://localhost:54321/realtime/v1/websocket',
    realtimeAuthFrame: (token) => JSON.stringify({ type: 'auth', access_token: token }),
  } satisfies Partial<ApiClient>;
}
/** The faked part of the client, with the real client's signatures. */
type Api = Pick<ApiClient, keyof ReturnType<typeof defaults>>;
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
