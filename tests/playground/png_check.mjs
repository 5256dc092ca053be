// What the browser tests check a screenshot with: its PNG decoded enough to know its size and
// how many distinct colours a grid of samples has (a blank page has one or two).
import fs from "node:fs";
import zlib from "node:zlib";

function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

// Decodes a PNG enough to know its size and how many distinct colours a grid of samples has.
export function inspectPng(file) {
  const bytes = fs.readFileSync(file);
  const signature = "89504e470d0a1a0a";
  check(bytes.subarray(0, 8).toString("hex") === signature, `${file} starts with the PNG signature`);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const bitDepth = bytes[24];
  const colourType = bytes[25];
  check(bitDepth === 8 && (colourType === 2 || colourType === 6), `${file} is 8-bit RGB(A) (got ${bitDepth}/${colourType})`);
  const channels = colourType === 6 ? 4 : 3;
  const idat = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString("ascii", at + 4, at + 8);
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; ++y) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y ? pixels.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let x = 0; x < stride; ++x) {
      const a = x >= channels ? out[x - channels] : 0;
      const b = up[x];
      const c = x >= channels ? up[x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a
        : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      check(predictor !== undefined, `PNG filter type ${filter} is valid`);
      out[x] = (line[x] + predictor) & 0xff;
    }
  }
  const colours = new Set();
  for (let y = 0; y < height; y += 8) {
    for (let x = 0; x < width; x += 8) {
      const at = y * stride + x * channels;
      colours.add(pixels.readUIntBE(at, 3));
    }
  }
  return { width, height, size: bytes.length, colours: colours.size };
}

