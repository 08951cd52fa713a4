import { defineDomain } from '../domain-module.ts';
import { notificationTopics } from './notifications.realtime.ts';
import { notificationRoutes } from './notifications.routes.ts';

export const notificationsModule = defineDomain({
  name: 'notifications',
  api: (c) => [notificationRoutes(c.db)],
  realtime: notificationTopics,
  // Notifications an off or deleted persona caused would name it to their recipients.
  shadowCleanup: [{ reason: 'notifications:shadow-actors', fn: 'public.purge_shadow_notifications' }],
  privacy: { excluded: { 'POST /api/notifications/read': 'the caller’s own notifications' } },
});
