import type { ConversationTimer, Message } from '@ipelya/contracts';
import type { Translate } from '../i18n/i18n';

/**
 * What a conversation row says about a message. Never the content of a sealed message: a paid one shows
 * a lock, a view-once one its label, media only its kind.
 */
export function messagePreview(t: Translate, message: Message): string {
  if (message.locked) return t('messages.preview.locked');
  if (message.view_once) return t('messages.preview.viewOnce');
  if (message.kind !== 'text' && !message.body) return t(`messages.preview.${message.kind}`);
  return message.body;
}

export function timerLabel(t: Translate, timer: ConversationTimer | undefined): string {
  return t(`timer.${timer ?? 'off'}`);
}

/** "4 min", "23 h": the largest whole unit left, rounded up so it never says 0 before it is gone. */
export function formatRemaining(t: Translate, ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return t('duration.seconds', { count: seconds });
  if (seconds < 3600) return t('duration.minutes', { count: Math.ceil(seconds / 60) });
  if (seconds < 86_400) return t('duration.hours', { count: Math.ceil(seconds / 3600) });
  return t('duration.days', { count: Math.ceil(seconds / 86_400) });
}

/** A playback position, "m:ss" (a player reports NaN or 0 before it knows the duration). */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
