import type { Message } from '@ipelya/contracts';
import { useCallback, useRef, useState } from 'react';
import { useOpenViewOnce, type ViewOnceOpen } from '../state/queries/messages';

/** Opening view-once messages of a chat, and the one being viewed (full screen) right now. */
export function useViewOnce(conversationId: string) {
  const openViewOnce = useOpenViewOnce(conversationId);
  const [viewing, setViewing] = useState<ViewOnceOpen | null>(null);
  const opening = useRef(new Set<string>());

  const open = (message: Message) => {
    // One request per message, even for taps landing before the re-render that disables the button;
    // a failure other than 410 (network) may be tried again.
    if (openViewOnce.isPending || opening.current.has(message.id)) return;
    opening.current.add(message.id);
    openViewOnce.mutate(message, {
      onSuccess: (media) => setViewing(media),
      onError: () => opening.current.delete(message.id),
    });
  };
  const close = useCallback(() => setViewing(null), []);

  return {
    viewing,
    open,
    close,
    /** The message whose open request is in flight. */
    openingId: openViewOnce.isPending ? (openViewOnce.variables?.id ?? null) : null,
    error: openViewOnce.isError ? openViewOnce.error : null,
  };
}
