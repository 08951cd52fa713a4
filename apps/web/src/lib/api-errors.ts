import { ApiClientError } from '@ipelya/api-client';

/** What a page shows when a call fails: the API said no, the feature is not there (yet), or something broke. */
export type FailureKind = 'unauthenticated' | 'forbidden' | 'missing' | 'unavailable' | 'error';

export function failureKind(err: unknown): FailureKind {
  if (!(err instanceof ApiClientError)) return 'error';
  if (err.status === 401) return 'unauthenticated';
  if (err.status === 403) return 'forbidden';
  // 404: an endpoint this server does not have; 503: a provider or feature not configured.
  if (err.status === 404) return 'missing';
  if (err.status === 503) return 'unavailable';
  return 'error';
}
