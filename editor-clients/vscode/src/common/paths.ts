/** Resolving a file path the web UI asks to open, confined to the workspace folders. */
import * as path from "path";

/**
 * The absolute path for `filePath` (absolute, or relative to the first workspace folder)
 * when it lies inside one of `folders`; undefined otherwise, so a session's recorded path
 * can never open a file outside the workspace.
 */
export function resolveInWorkspace(filePath: string, folders: readonly string[]): string | undefined {
  if (!filePath || filePath.includes("\0") || folders.length === 0) {
    return undefined;
  }
  const abs = path.isAbsolute(filePath) ? path.normalize(filePath) : path.resolve(folders[0], filePath);
  for (const folder of folders) {
    const rel = path.relative(path.resolve(folder), abs);
    if (rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel))) {
      return abs;
    }
  }
  return undefined;
}

/** A 1-based line from the web UI to a 0-based editor line (line 1 when absent or bad). */
export function zeroBasedLine(line: unknown): number {
  return typeof line === "number" && Number.isFinite(line) && line >= 1 ? Math.floor(line) - 1 : 0;
}
