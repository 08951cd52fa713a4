// Next's own next-env.d.ts imports generated files from .next/, which a fresh clone lacks; this keeps
// `tsc --noEmit` independent of a prior build.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
