/*
 * @adonisjs/session
 */

/// <reference path="../../../adonis-typings/index.ts" />

import { EncryptionContract } from '@ioc:Adonis/Core/Encryption'

/**
 * The app's Encryption and one for each of `previousAppKeys`: whatever is
 * written is encrypted or signed with the current key, whatever is read is
 * checked with the current key, then the previous ones, so sessions survive
 * an `APP_KEY` rotation
 */
export class AppKeys {
  /**
   * The current key's Encryption first, then the previous keys', newest
   * first
   */
  public readonly all: EncryptionContract[]

  /**
   * @param previousSecrets the previous keys themselves, in the order of
   * `previous`
   */
  constructor(
    public readonly current: EncryptionContract,
    previous: EncryptionContract[] = [],
    public readonly previousSecrets: string[] = []
  ) {
    this.all = [current, ...previous]
  }

  /**
   * Encryptions for the previous keys, of the framework's own class
   */
  public static forKeys(current: EncryptionContract, previousKeys: string[]): AppKeys {
    if (!previousKeys.length) {
      return new AppKeys(current)
    }
    const { Encryption } = require('@adonisjs/core/build/standalone')
    return new AppKeys(
      current,
      previousKeys.map((secret) => new Encryption({ secret }) as EncryptionContract),
      previousKeys
    )
  }

  /**
   * True when there are previous keys to try
   */
  public get rotated(): boolean {
    return this.all.length > 1
  }

  /**
   * The value a signed string holds, checked with each key in turn, and
   * whether a previous key signed it (so it should be signed again)
   */
  public unsign(value: string, purpose: string): { value: any; previous: boolean } | null {
    for (let index = 0; index < this.all.length; index++) {
      const unsigned = this.all[index].verifier.unsign(value, purpose)
      if (unsigned !== null && unsigned !== undefined) {
        return { value: unsigned, previous: index > 0 }
      }
    }
    return null
  }

  /**
   * The message of an encrypted value, decrypted with each key in turn
   */
  public decrypt(value: string, purpose: string): { value: any; previous: boolean } | null {
    for (let index = 0; index < this.all.length; index++) {
      const decrypted = this.all[index].decrypt(value, purpose)
      if (decrypted !== null && decrypted !== undefined) {
        return { value: decrypted, previous: index > 0 }
      }
    }
    return null
  }
}
