'use client';

import Link from 'next/link';
import { useI18n } from '../../../i18n/i18n-provider.tsx';
import type { MessageKey } from '../../../i18n/messages.ts';

export type AdminSection = 'payouts' | 'fraud' | 'coin-packages' | 'reconciliation';

const SECTIONS: { id: AdminSection; label: MessageKey }[] = [
  { id: 'payouts', label: 'admin.nav.payouts' },
  { id: 'fraud', label: 'admin.nav.fraud' },
  { id: 'coin-packages', label: 'admin.nav.packages' },
  { id: 'reconciliation', label: 'admin.nav.reconciliation' },
];

/** The admin pages link to each other; the page you are on is marked for screen readers too. */
export function AdminNav(props: { current: AdminSection }) {
  const { t } = useI18n();
  return (
    <nav className="admin-nav" aria-label={t('admin.nav.label')} data-testid="admin-nav">
      {SECTIONS.map((s) => (
        <Link
          key={s.id}
          href={`/admin/${s.id}`}
          className="admin-nav-link"
          aria-current={s.id === props.current ? 'page' : undefined}
          data-testid={`admin-nav-${s.id}`}
        >
          {t(s.label)}
        </Link>
      ))}
    </nav>
  );
}
