/**
 * The central directory of a zip archive: entry names and the sizes they
 * declare, read before anything is decompressed. The workbook reader refuses
 * an archive whose declared total is over its limit (a zip bomb) and uses the
 * names to tell an .xlsb from an .xlsx; the readers (sheet-rows.ts, sheet-scan.ts)
 * then stop any entry that inflates past the size it declared, so the declared
 * total bounds what is ever decompressed.
 */
export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** 0 stored, 8 deflated. */
  method: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const U32_MAX = 0xffffffff;

function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
}

/** undefined when `data` is not a readable zip archive. */
export function readZipDirectory(data: Uint8Array): ZipEntryInfo[] | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const floor = Math.max(0, data.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = data.length - 22; i >= floor; i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((count === 0xffff || offset === U32_MAX) && eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const at = u64(view, eocd - 20 + 8);
    if (at + 56 > data.length || view.getUint32(at, true) !== ZIP64_EOCD) return undefined;
    count = u64(view, at + 32);
    offset = u64(view, at + 48);
  }
  const entries: ZipEntryInfo[] = [];
  let pos = offset;
  for (let n = 0; n < count; n++) {
    if (pos + 46 > data.length || view.getUint32(pos, true) !== CENTRAL) return undefined;
    const method = view.getUint16(pos + 10, true);
    let localHeaderOffset = view.getUint32(pos + 42, true);
    let compressedSize = view.getUint32(pos + 20, true);
    let uncompressedSize = view.getUint32(pos + 24, true);
    const nameLength = view.getUint16(pos + 28, true);
    const extraLength = view.getUint16(pos + 30, true);
    const commentLength = view.getUint16(pos + 32, true);
    const name = new TextDecoder().decode(data.subarray(pos + 46, pos + 46 + nameLength));
    if (uncompressedSize === U32_MAX || compressedSize === U32_MAX || localHeaderOffset === U32_MAX) {
      // ZIP64 extra field (id 1): the 8-byte sizes, uncompressed first, each only if its 4-byte field is maxed.
      let e = pos + 46 + nameLength;
      const end = e + extraLength;
      while (e + 4 <= end) {
        const id = view.getUint16(e, true);
        const size = view.getUint16(e + 2, true);
        if (id === 1) {
          let f = e + 4;
          if (uncompressedSize === U32_MAX && f + 8 <= end) {
            uncompressedSize = u64(view, f);
            f += 8;
          }
          if (compressedSize === U32_MAX && f + 8 <= end) {
            compressedSize = u64(view, f);
            f += 8;
          }
          if (localHeaderOffset === U32_MAX && f + 8 <= end) localHeaderOffset = u64(view, f);
          break;
        }
        e += 4 + size;
      }
    }
    entries.push({ name, compressedSize, uncompressedSize, method, localHeaderOffset });
    pos += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An entry's stored bytes (compressed, as in the archive), found through its local header. */
export function entryRawBytes(data: Uint8Array, entry: ZipEntryInfo): Buffer {
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const at = entry.localHeaderOffset;
  const start = at + 30 + view.readUInt16LE(at + 26) + view.readUInt16LE(at + 28);
  return view.subarray(start, start + entry.compressedSize);
}
