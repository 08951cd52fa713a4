import { z } from 'zod';
import { PersonaSchema } from './profiles.ts';

export const VisibilitySchema = z.enum(['public', 'followers', 'subscribers', 'ppv']);
export type Visibility = z.infer<typeof VisibilitySchema>;
export const PostStatusSchema = z.enum(['draft', 'scheduled', 'published']);
export type PostStatus = z.infer<typeof PostStatusSchema>;

export const MAX_POST_BODY = 5000;
export const MAX_POST_MEDIA = 10;

export const CreatePostSchema = z
  .object({
    body: z.string().max(MAX_POST_BODY, `body must be at most ${MAX_POST_BODY} characters`).default(''),
    visibility: VisibilitySchema.default('public'),
    price_coins: z.number().int().min(1).max(1_000_000).nullable().optional(),
    media_ids: z.array(z.uuid()).max(MAX_POST_MEDIA).default([]),
    /** draft: keep unpublished; publish_at in the future: schedule; otherwise publish now. */
    draft: z.boolean().default(false),
    publish_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.visibility === 'ppv' && !v.price_coins) {
      ctx.addIssue({
        code: 'custom',
        path: ['price_coins'],
        message: 'price_coins is required for ppv posts',
      });
    }
    if (v.visibility !== 'ppv' && v.price_coins) {
      ctx.addIssue({
        code: 'custom',
        path: ['price_coins'],
        message: 'price_coins is only allowed on ppv posts',
      });
    }
    if (!v.body.trim() && v.media_ids.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a post needs a body or media' });
    }
  });
export type CreatePost = z.input<typeof CreatePostSchema>;

export const UpdatePostSchema = z
  .object({
    body: z.string().max(MAX_POST_BODY).optional(),
    visibility: VisibilitySchema.optional(),
    price_coins: z.number().int().min(1).max(1_000_000).nullable().optional(),
    media_ids: z.array(z.uuid()).max(MAX_POST_MEDIA).optional(),
    draft: z.boolean().optional(),
    publish_at: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();
export type UpdatePost = z.input<typeof UpdatePostSchema>;

export const PostAuthorSchema = z.object({
  id: z.uuid(),
  kind: PersonaSchema,
  handle: z.string(),
  display_name: z.string(),
  avatar_media_id: z.uuid().nullable(),
});

export const PostSchema = z.object({
  id: z.uuid(),
  author: PostAuthorSchema,
  body: z.string(),
  visibility: VisibilitySchema,
  price_coins: z.number().int().nullable(),
  status: PostStatusSchema,
  publish_at: z.string().nullable(),
  published_at: z.string().nullable(),
  /** False when the viewer sees a teaser: body and media are withheld until they are entitled. */
  unlocked: z.boolean(),
  media_ids: z.array(z.uuid()),
  /** True when the creator's screenshot policy blurs previews for this viewer (they captured it before). */
  blurred: z.boolean(),
  is_demo: z.boolean(),
  created_at: z.string(),
});
export type Post = z.infer<typeof PostSchema>;

export const ReportTargetSchema = z.enum(['profile', 'post', 'message']);
export const ReportReasonSchema = z.enum([
  'spam',
  'harassment',
  'nudity_without_consent',
  'underage',
  'copyright',
  'impersonation',
  'violence',
  'other',
]);
export const CreateReportSchema = z
  .object({
    target_type: ReportTargetSchema,
    target_id: z.uuid(),
    reason: ReportReasonSchema,
    details: z.string().max(2000).default(''),
  })
  .strict();
export type CreateReport = z.input<typeof CreateReportSchema>;
export const ReportSchema = z.object({
  id: z.uuid(),
  target_type: ReportTargetSchema,
  target_id: z.uuid(),
  reason: ReportReasonSchema,
  status: z.string(),
  created_at: z.string(),
});
