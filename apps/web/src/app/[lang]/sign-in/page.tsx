import type { Metadata } from 'next';
import { langFrom, translatorFor } from '../../../i18n/server.ts';
import { SignInForm } from './sign-in-form.tsx';

type Props = { params: Promise<{ lang: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: translatorFor(await langFrom(params))('signIn.title') };
}

export default async function SignInPage({ params }: Props) {
  const t = translatorFor(await langFrom(params));
  return (
    <div className="narrow">
      <h1>{t('signIn.title')}</h1>
      <p className="muted">{t('signIn.subtitle')}</p>
      <SignInForm />
    </div>
  );
}
