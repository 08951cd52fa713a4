'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n-provider.tsx';
import { getSupabase } from '../lib/supabase-browser.ts';

/** "Sign in" or "My account", depending on the session supabase-js holds in this browser. */
export function AuthNav() {
  const { t } = useI18n();
  const [signedIn, setSignedIn] = useState<boolean | null>(null);

  useEffect(() => {
    const supabase = getSupabase();
    let alive = true;
    void supabase.auth.getSession().then(({ data }) => alive && setSignedIn(Boolean(data.session)));
    const { data } = supabase.auth.onAuthStateChange((_event, session) => setSignedIn(Boolean(session)));
    return () => {
      alive = false;
      data.subscription.unsubscribe();
    };
  }, []);

  if (signedIn === null) return <span className="nav-placeholder" />;
  return signedIn ? (
    <Link href="/account" className="nav-link" data-testid="nav-account">
      {t('nav.account')}
    </Link>
  ) : (
    <Link href="/sign-in" className="nav-link" data-testid="nav-sign-in">
      {t('nav.signIn')}
    </Link>
  );
}
