import { open } from 'node:fs/promises';

const lfsSignature = 'version https://git-lfs.github.com/spec/v1';

/**
 * True when the file is a Git LFS pointer (a ~130-byte text stub) rather than the content it stands
 * for: what a clone without `git lfs pull` leaves in place of ONNX weights.
 */
export async function isLfsPointer(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > 1024) return false;
    const buffer = Buffer.alloc(lfsSignature.length);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('latin1') === lfsSignature;
  } finally {
    await file.close();
  }
}
