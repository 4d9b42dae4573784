/*
 * @adonisjs/session
 */

import * as fs from 'fs'

/**
 * A session file as read: its text, its length in bytes, its modification time
 */
export type FileContent = { raw: string; size: number; mtimeMs: number }

/**
 * For removals: a file already gone is fine, any other failure is not
 */
export function ignoreMissing(error: NodeJS.ErrnoException) {
  if (error.code !== 'ENOENT') {
    throw error
  }
}

/**
 * A descriptor for the file, or null when it does not exist
 */
export function openExisting(file: string, flags: string): number | null {
  try {
    return fs.openSync(file, flags)
  } catch (error) {
    ignoreMissing(error)
    return null
  }
}

/**
 * Remove the file; true when this call removed it
 */
export function unlinkExisting(file: string): boolean {
  try {
    fs.unlinkSync(file)
    return true
  } catch (error) {
    ignoreMissing(error)
    return false
  }
}

/**
 * The whole content of an open file
 */
export function readWhole(fd: number): FileContent {
  const { size, mtimeMs } = fs.fstatSync(fd)
  const buffer = Buffer.allocUnsafe(size)
  let filled = 0
  while (filled < size) {
    const bytesRead = fs.readSync(fd, buffer, filled, size - filled, filled)
    if (bytesRead === 0) {
      break
    }
    filled += bytesRead
  }
  return { raw: buffer.toString('utf-8', 0, filled), size: filled, mtimeMs }
}

/**
 * Write the whole buffer from the start of the file
 */
export function writeAll(fd: number, contents: Buffer) {
  let written = 0
  while (written < contents.length) {
    written += fs.writeSync(fd, contents, written, contents.length - written, written)
  }
}

/**
 * Close a descriptor during cleanup, where a failure changes nothing
 */
export function closeQuietly(fd: number) {
  try {
    fs.closeSync(fd)
  } catch {}
}
