import { z } from 'zod';

export const BucketSchema = z.enum(['creator-media', 'asmr', 'ai-content', 'shadow-content']);
export type Bucket = z.infer<typeof BucketSchema>;

/** Size cap and accepted content types per bucket; the server sniffs bytes, not the header. */
export const BUCKET_RULES: Record<Bucket, { maxBytes: number; mime: readonly string[] }> = {
  'creator-media': {
    maxBytes: 200 * 1024 * 1024,
    mime: [
      'image/jpeg',
      'image/png',
      'image/webp',
      'image/gif',
      'video/mp4',
      'video/quicktime',
      'video/webm',
    ],
  },
  asmr: {
    maxBytes: 100 * 1024 * 1024,
    mime: ['audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/wav', 'audio/x-wav', 'audio/webm'],
  },
  'ai-content': {
    maxBytes: 50 * 1024 * 1024,
    mime: ['image/jpeg', 'image/png', 'image/webp', 'audio/mpeg', 'audio/wav', 'video/mp4'],
  },
  'shadow-content': {
    maxBytes: 50 * 1024 * 1024,
    mime: [
      'image/jpeg',
      'image/png',
      'image/webp',
      'image/gif',
      'video/mp4',
      'audio/mpeg',
      'audio/mp4',
      'audio/ogg',
    ],
  },
};

export const CreateUploadSchema = z
  .object({
    bucket: BucketSchema,
    content_type: z.string().min(3).max(100),
    size: z.number().int().positive('size must be positive'),
    /**
     * Encrypt at rest with a key of its own that dies with the media row (decision 015). Required for media
     * sent in timed or view-once messages; sealed media is always served through the API's signed URLs.
     */
    sealed: z.boolean().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const rule = BUCKET_RULES[v.bucket];
    if (!rule.mime.includes(v.content_type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['content_type'],
        message: `content_type ${v.content_type} is not accepted in bucket ${v.bucket}`,
      });
    }
    if (v.size > rule.maxBytes) {
      ctx.addIssue({
        code: 'custom',
        path: ['size'],
        message: `size exceeds the ${rule.maxBytes} byte limit of bucket ${v.bucket}`,
      });
    }
  });
export type CreateUpload = z.input<typeof CreateUploadSchema>;

export const UploadTicketSchema = z.object({
  media_id: z.uuid(),
  upload_url: z.string(),
  method: z.literal('PUT'),
  expires_at: z.string(),
});
export const MediaObjectSchema = z.object({
  id: z.uuid(),
  bucket: BucketSchema,
  content_type: z.string(),
  size: z.number().int(),
  status: z.enum(['pending', 'ready']),
  created_at: z.string(),
});
export const SignedUrlSchema = z.object({ url: z.string(), expires_at: z.string() });
