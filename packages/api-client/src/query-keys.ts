/** Query-key factories shared by both apps' tanstack-query hooks. */
export const queryKeys = {
  me: () => ['me'] as const,
  profile: (handle: string) => ['profile', handle] as const,
  profilePosts: (handle: string) => ['profile', handle, 'posts'] as const,
  creators: () => ['creators'] as const,
  feed: () => ['feed'] as const,
  myPosts: () => ['posts', 'mine'] as const,
  post: (id: string) => ['post', id] as const,
  notifications: () => ['notifications'] as const,
  sessions: () => ['sessions'] as const,
  devices: () => ['devices'] as const,
  wallet: () => ['wallet'] as const,
  coinPackages: () => ['coin-packages'] as const,
  subscriptions: () => ['subscriptions'] as const,
  creatorTiers: (creatorId: string) => ['creator', creatorId, 'tiers'] as const,
  earnings: () => ['earnings'] as const,
};
