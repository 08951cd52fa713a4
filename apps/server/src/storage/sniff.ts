import { fileTypeFromBuffer } from 'file-type';

// What file-type reports for formats clients commonly label differently (webm audio looks like webm video,
// m4a/mp4 audio share containers with video, opus carries a codecs parameter).
const ALSO_ACCEPTED: Record<string, readonly string[]> = {
  'audio/webm': ['video/webm'],
  'audio/mp4': ['audio/x-m4a', 'video/mp4'],
  'video/mp4': ['video/x-m4v'],
  'audio/wav': ['audio/x-wav'],
  'audio/x-wav': ['audio/wav'],
};

/** How many leading bytes are read to recognise a file. */
export const SNIFF_BYTES = 64 * 1024;

/** The type the bytes really are (null when unrecognisable, e.g. text or a script). */
export async function sniffType(head: Uint8Array): Promise<string | null> {
  const found = await fileTypeFromBuffer(head);
  return found ? found.mime.split(';')[0]!.trim().toLowerCase() : null;
}

export function sniffedMatches(declared: string, sniffed: string | null): boolean {
  if (!sniffed) return false;
  return sniffed === declared || (ALSO_ACCEPTED[declared]?.includes(sniffed) ?? false);
}
