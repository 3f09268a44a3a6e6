// Writes phantoms in the plain folder format: DIR/images/<id>.png (grey PNG, 16-bit by default),
// DIR/masks/<id>.png (8-bit, 255 = mass), DIR/annotations.json with labels, boxes and mask paths.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { GrayImage } from './sample';
import { phantomStream, PHANTOM_CLASSES, type PhantomSetOptions } from './phantom';

export interface FolderAnnotation {
  file: string;
  label: string;
  boxes: [number, number, number, number][];
  mask: string;
}

export interface FolderAnnotations {
  classes: string[];
  images: FolderAnnotation[];
}

export interface PhantomFolderOptions extends PhantomSetOptions {
  out: string;
  bitDepth?: 8 | 16;
  onProgress?: (done: number, total: number) => void;
}

// Grey PNG of an image in [0, 1].
export async function encodeGrayPng(image: GrayImage, bitDepth: 8 | 16 = 16): Promise<Buffer> {
  const { width, height, data } = image;
  if (bitDepth === 16) {
    const u16 = new Uint16Array(width * height);
    for (let i = 0; i < u16.length; i++) u16[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 65535);
    return sharp(u16, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  }
  const u8 = Buffer.alloc(width * height);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  return sharp(u8, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

// 8-bit grey PNG of a 0/1 mask, written as 0/255 so it is visible in a viewer.
export async function encodeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  const u8 = Buffer.alloc(width * height);
  for (let i = 0; i < u8.length; i++) u8[i] = mask[i] ? 255 : 0;
  return sharp(u8, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

// Generates options.count phantoms and writes them; returns the annotations it wrote.
export async function writePhantomFolder(options: PhantomFolderOptions): Promise<FolderAnnotations> {
  const { out, bitDepth = 16, onProgress } = options;
  fs.mkdirSync(path.join(out, 'images'), { recursive: true });
  fs.mkdirSync(path.join(out, 'masks'), { recursive: true });
  const classes = options.classes ? PHANTOM_CLASSES.filter((c) => options.classes!.includes(c)) : [...PHANTOM_CLASSES];
  const images: FolderAnnotation[] = [];
  const pending = new Set<Promise<void>>();
  let done = 0;
  for (const s of phantomStream(options)) {
    const file = `images/${s.id}.png`;
    const mask = `masks/${s.id}.png`;
    images.push({ file, label: s.label, boxes: s.boxes.map((b) => [b[0], b[1], b[2], b[3]]), mask });
    const job = (async () => {
      const [img, msk] = await Promise.all([encodeGrayPng(s.image, bitDepth), encodeMaskPng(s.mask!, s.image.width, s.image.height)]);
      await Promise.all([fs.promises.writeFile(path.join(out, file), img), fs.promises.writeFile(path.join(out, mask), msk)]);
      done++;
      onProgress?.(done, options.count);
    })();
    pending.add(job);
    job.finally(() => pending.delete(job)).catch(() => undefined);
    if (pending.size >= 8) await Promise.race(pending);
  }
  await Promise.all(pending);
  const annotations: FolderAnnotations = { classes, images };
  const target = path.join(out, 'annotations.json');
  // One image per line: readable, diff-friendly, and small.
  const body = `{"classes":${JSON.stringify(classes)},"images":[\n${images.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`;
  fs.writeFileSync(`${target}.tmp`, body);
  fs.renameSync(`${target}.tmp`, target);
  return annotations;
}
