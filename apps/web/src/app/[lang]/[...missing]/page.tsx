import { notFound } from 'next/navigation';

/** Every unknown URL lands here (the proxy rewrites it under a language) so it gets the translated 404. */
export default function Missing() {
  notFound();
}
