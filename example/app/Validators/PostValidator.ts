import { schema, rules, CustomMessages } from '@ioc:Adonis/Core/Validator'
import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

/**
 * The post form. On failure the validator flashes the errors and the input
 * (without `_csrf`) and redirects back; JSON clients get a 422 instead.
 */
export default class PostValidator {
  constructor(protected ctx: HttpContextContract) {}

  public schema = schema.create({
    title: schema.string({ trim: true }, [rules.minLength(3), rules.maxLength(80)]),
    body: schema.string({ trim: true }, [rules.maxLength(2000)]),
  })

  public messages: CustomMessages = {
    'title.required': 'Title is required',
    'title.minLength': 'Title must be at least {{ options.minLength }} characters long',
    'title.maxLength': 'Title must be at most {{ options.maxLength }} characters long',
    'body.required': 'Body is required',
    'body.maxLength': 'Body must be at most {{ options.maxLength }} characters long',
  }
}
