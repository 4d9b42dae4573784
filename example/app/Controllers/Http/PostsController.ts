import type { HttpContextContract } from '@ioc:Adonis/Core/HttpContext'
import PostValidator from 'App/Validators/PostValidator'

type Post = { title: string; body: string }

/**
 * A form validated with `request.validate()`: its errors and old input
 * travel back through flash messages, and the view shows them with the
 * session's Edge tags and `old()`. Saved posts are kept in the session
 * (there is no database).
 */
export default class PostsController {
  /**
   * Lists saved posts and renders the form
   */
  public async create({ view, session }: HttpContextContract) {
    return view.render('pages/posts', { posts: session.get('posts', []) })
  }

  /**
   * Saves a valid post; an invalid one never gets past `validate`
   */
  public async store({ request, response, session }: HttpContextContract) {
    const { title, body } = await request.validate(PostValidator)

    const posts: Post[] = session.get('posts', [])
    session.put('posts', [...posts, { title, body }].slice(-5))
    session.flash('success', `Post "${title}" saved`)
    return response.redirect('/posts')
  }
}
