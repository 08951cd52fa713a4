import { z } from 'zod';

/** What was on screen when the screenshot was taken. */
export const ScreenshotContextSchema = z.enum(['post', 'profile', 'chat']);
export type ScreenshotContext = z.infer<typeof ScreenshotContextSchema>;

/** How a creator reacts to screenshots of their content. */
export const ScreenshotPolicySchema = z.enum(['notify', 'notify_and_blur']);
export type ScreenshotPolicy = z.infer<typeof ScreenshotPolicySchema>;

export const ReportScreenshotSchema = z
  .object({
    context: ScreenshotContextSchema,
    /** Post id, profile id or conversation id. */
    target_id: z.uuid(),
  })
  .strict();
export type ReportScreenshot = z.infer<typeof ReportScreenshotSchema>;

export const ScreenshotReportedSchema = z.object({
  /** How many owners were notified (0 when you captured your own content). */
  notified: z.number().int(),
});
export type ScreenshotReported = z.infer<typeof ScreenshotReportedSchema>;
