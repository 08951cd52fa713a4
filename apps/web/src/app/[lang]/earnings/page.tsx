import type { Metadata } from 'next';
import { langFrom, translatorFor } from '../../../i18n/server.ts';
import { EarningsView } from './earnings-view.tsx';

type Props = { params: Promise<{ lang: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  // Personal money data: never indexed.
  return { title: translatorFor(await langFrom(params))('earnings.title'), robots: { index: false } };
}

export default function EarningsPage() {
  return <EarningsView />;
}
