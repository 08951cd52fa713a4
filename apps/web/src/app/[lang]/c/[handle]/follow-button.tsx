'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';
import { getApi } from '../../../../lib/api-browser.ts';
import { getSupabase } from '../../../../lib/supabase-browser.ts';
import { useCreatorPosts } from './creator-posts.tsx';

type State = { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'ready'; following: boolean };

/** The server renders the page anonymously; whether *this* viewer follows is asked from the browser. */
export function FollowButton(props: { profileId: string; handle: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const creatorPosts = useCreatorPosts();

  useEffect(() => {
    let alive = true;
    void (async () => {
      const { data } = await getSupabase().auth.getSession();
      if (!data.session) return alive && setState({ kind: 'signed-out' });
      try {
        const profile = await getApi().profile(props.handle);
        if (alive) setState({ kind: 'ready', following: profile.is_following });
      } catch {
        if (alive) setState({ kind: 'ready', following: false });
      }
    })();
    return () => {
      alive = false;
    };
  }, [props.handle]);

  if (state.kind === 'loading') return <span className="follow-placeholder" />;
  if (state.kind === 'signed-out') {
    return (
      <Link href="/sign-in" className="button" data-testid="sign-in-to-follow">
        {t('creator.signInToFollow')}
      </Link>
    );
  }

  async function toggle(following: boolean) {
    setBusy(true);
    setFailed(false);
    try {
      if (following) await getApi().unfollow(props.profileId);
      else await getApi().follow(props.profileId);
      setState({ kind: 'ready', following: !following });
    } catch {
      setFailed(true);
      setBusy(false);
      return;
    }
    // Following changes which posts this viewer may read; stay busy until the list matches the button.
    await creatorPosts?.refresh();
    setBusy(false);
  }

  return (
    <div className="follow">
      <button
        type="button"
        className={state.following ? 'button' : 'button primary'}
        disabled={busy}
        aria-pressed={state.following}
        data-testid="follow-button"
        data-following={state.following}
        onClick={() => void toggle(state.following)}
      >
        {state.following ? t('creator.unfollow') : t('creator.follow')}
      </button>
      {failed && (
        <p className="error small" role="alert" data-testid="follow-error">
          {t('creator.followError')}
        </p>
      )}
    </div>
  );
}
