import type { Metadata } from 'next';
import { langFrom, translatorFor } from '../../../i18n/server.ts';
import { AccountView } from './account-view.tsx';

type Props = { params: Promise<{ lang: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  // A personal page: keep it out of search engines.
  return { title: translatorFor(await langFrom(params))('account.title'), robots: { index: false } };
}

export default function AccountPage() {
  return <AccountView />;
}
