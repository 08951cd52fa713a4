import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { proxy } from './proxy.ts';

function rewriteOf(path: string, headers: Record<string, string> = {}) {
  const res = proxy(new NextRequest(new URL(path, 'http://localhost:3000'), { headers }));
  const target = res.headers.get('x-middleware-rewrite');
  return target ? new URL(target).pathname : null;
}

describe('language proxy', () => {
  it('rewrites unprefixed URLs by Accept-Language', () => {
    expect(rewriteOf('/', { 'accept-language': 'tr-TR,tr;q=0.9' })).toBe('/tr');
    expect(rewriteOf('/c/demo.luna', { 'accept-language': 'en-US' })).toBe('/en/c/demo.luna');
    expect(rewriteOf('/sign-in', { 'accept-language': 'de' })).toBe('/en/sign-in');
  });
  it('prefers the language cookie', () => {
    expect(rewriteOf('/account', { 'accept-language': 'en', cookie: 'ipelya-lang=tr' })).toBe('/tr/account');
  });
  it('leaves explicitly prefixed URLs alone', () => {
    expect(rewriteOf('/tr/sign-in', { 'accept-language': 'en' })).toBeNull();
    expect(rewriteOf('/en', { cookie: 'ipelya-lang=tr' })).toBeNull();
  });
});
