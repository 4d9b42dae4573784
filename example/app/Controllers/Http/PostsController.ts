import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'

type Post = { title: string; body: string }

/**
 * A form whose validation errors and old input travel back through flash
 * messages. Saved posts are kept in the session (there is no database).
 */
export default class PostsController {
  /**
   * Lists saved posts and renders the form
   */
  public async create({ view, session }: HttpContextContract) {
    return view.render('pages/posts', { posts: session.get('posts', []) })
  }

  /**
   * Validates the form. On failure, flash the input (minus the CSRF token)
   * and the errors, then go back to the form.
   */
  public async store({ request, response, session }: HttpContextContract) {
    const title = String(request.input('title') ?? '').trim()
    const body = String(request.input('body') ?? '').trim()
    const errors = validatePost(title, body)

    if (Object.keys(errors).length) {
      session.flashExcept(['_csrf'])
      session.flash('errors', errors)
      return response.redirect('/posts')
    }

    const posts: Post[] = session.get('posts', [])
    session.put('posts', [...posts, { title, body }].slice(-5))
    session.flash('notification', `Post "${title}" saved`)
    return response.redirect('/posts')
  }
}

/**
 * Returns an error message per invalid field
 */
function validatePost(title: string, body: string) {
  const errors: Record<string, string> = {}
  if (title.length < 3) {
    errors.title = 'Title must be at least 3 characters long'
  } else if (title.length > 80) {
    errors.title = 'Title must be at most 80 characters long'
  }
  if (!body) {
    errors.body = 'Body is required'
  }
  return errors
}
