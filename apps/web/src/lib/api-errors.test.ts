import { ApiClientError } from '@ipelya/api-client';
import { describe, expect, it } from 'vitest';
import { failureKind } from './api-errors.ts';

describe('failureKind', () => {
  it('maps API statuses to what the page shows', () => {
    const e = (status: number) => new ApiClientError(status, 'x', 'x');
    expect(failureKind(e(401))).toBe('unauthenticated');
    expect(failureKind(e(403))).toBe('forbidden');
    expect(failureKind(e(404))).toBe('missing');
    expect(failureKind(e(503))).toBe('unavailable');
    expect(failureKind(e(500))).toBe('error');
    expect(failureKind(new TypeError('Failed to fetch'))).toBe('error');
  });
});
