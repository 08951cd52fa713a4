'use client';

import Link from 'next/link';
import { useI18n } from '../../../../i18n/i18n-provider.tsx';

export default function CreatorNotFound() {
  const { t } = useI18n();
  return (
    <div className="narrow center" data-testid="creator-not-found">
      <h1>{t('creator.notFound.title')}</h1>
      <p className="muted">{t('creator.notFound.body')}</p>
      <Link href="/" className="button">
        {t('notFound.back')}
      </Link>
    </div>
  );
}
