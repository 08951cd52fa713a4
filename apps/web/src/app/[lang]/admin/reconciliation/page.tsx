import type { Metadata } from 'next';
import { langFrom, translatorFor } from '../../../../i18n/server.ts';
import { AdminReconciliationView } from './admin-reconciliation-view.tsx';

type Props = { params: Promise<{ lang: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return {
    title: translatorFor(await langFrom(params))('admin.reconciliation.title'),
    robots: { index: false },
  };
}

/** The API decides who is an admin (403 otherwise); this page only renders what it answers. */
export default function Page() {
  return <AdminReconciliationView />;
}
