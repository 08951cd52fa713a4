import { describe, expect, it } from 'vitest';
import { CreatePostSchema, CreateUploadSchema, HandleSchema, UpdateProfileSchema } from './index.ts';

describe('shared contracts', () => {
  it('accepts lowercase handles and names the rule a bad one breaks', () => {
    expect(HandleSchema.safeParse('luna.rain_2').success).toBe(true);
    for (const bad of ['ab', 'Luna', '.luna', 'luna.', 'lu na', 'x'.repeat(31)]) {
      expect(HandleSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('requires a price exactly on pay-per-view posts', () => {
    const ppv = CreatePostSchema.safeParse({ body: 'x', visibility: 'ppv' });
    expect(ppv.success).toBe(false);
    expect(ppv.error?.issues[0]?.path).toEqual(['price_coins']);
    const priced = CreatePostSchema.safeParse({ body: 'x', visibility: 'public', price_coins: 5 });
    expect(priced.error?.issues[0]?.path).toEqual(['price_coins']);
    expect(CreatePostSchema.parse({ body: 'x', visibility: 'ppv', price_coins: 5 }).media_ids).toEqual([]);
  });

  it('rejects an empty post and unknown fields', () => {
    expect(CreatePostSchema.safeParse({ body: '   ' }).error?.issues[0]?.path).toEqual(['body']);
    expect(CreatePostSchema.safeParse({ body: 'x', author_id: 'me' }).success).toBe(false);
    expect(UpdateProfileSchema.safeParse({ is_creator: true }).success).toBe(false);
  });

  it('enforces bucket size limits and content types', () => {
    expect(
      CreateUploadSchema.safeParse({ bucket: 'asmr', content_type: 'audio/mpeg', size: 1000 }).success,
    ).toBe(true);
    const tooBig = CreateUploadSchema.safeParse({
      bucket: 'asmr',
      content_type: 'audio/mpeg',
      size: 101 * 1024 * 1024,
    });
    expect(tooBig.error?.issues[0]?.path).toEqual(['size']);
    const wrongType = CreateUploadSchema.safeParse({ bucket: 'asmr', content_type: 'image/png', size: 10 });
    expect(wrongType.error?.issues[0]?.path).toEqual(['content_type']);
  });
});
