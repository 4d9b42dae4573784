import { test } from '@japa/runner'

test.group('Posts form', () => {
  test('request.validate() flashes errors and old input, without the CSRF token', async ({
    client,
  }) => {
    const response = await client
      .post('/posts')
      .form({ title: 'ab', body: '' })
      .header('referer', '/posts')
      .withCsrfToken()
      .redirects(0)

    response.assertStatus(302)
    response.assertHeader('location', '/posts')
    response.assertFlashMessage('errors', {
      title: ['Title must be at least 3 characters long'],
      body: ['Body is required'],
    })
    response.assertFlashMessage('title', 'ab')
    response.assertFlashMissing('_csrf')
    response.assertSessionMissing('posts')
  })

  test('never flashes the keys listed in "dontFlash"', async ({ client }) => {
    const response = await client
      .post('/posts')
      .form({
        title: 'ab',
        body: '',
        password: 'hunter2',
        password_confirmation: 'hunter2',
        author: { name: 'virk', password: 'hunter2' },
      })
      .withCsrfToken()
      .redirects(0)

    response.assertFlashMessage('title', 'ab')
    response.assertFlashMissing('password')
    response.assertFlashMissing('password_confirmation')
    response.assertFlashMessage('author', { name: 'virk' })
  })

  test('answers a JSON client with a 422 and flashes nothing', async ({ client }) => {
    const response = await client
      .post('/posts')
      .json({ title: 'ab', body: '' })
      .header('accept', 'application/json')
      .withCsrfToken()
      .redirects(0)

    response.assertStatus(422)
    response.assertBodyContains({
      errors: [
        { field: 'title', rule: 'minLength', message: 'Title must be at least 3 characters long' },
        { field: 'body', rule: 'required', message: 'Body is required' },
      ],
    })
    response.assertFlashMissing('errors')
    response.assertFlashMissing('title')
  })

  test('renders flashed errors and old input in the form', async ({ client }) => {
    const response = await client.get('/posts').flashMessages({
      title: 'ab',
      errors: { title: ['Title must be at least 3 characters long'], body: ['Body is required'] },
    })

    response.assertStatus(200)
    response.assertTextIncludes('id="title" name="title" value="ab"')
    response.assertTextIncludes(
      '<p class="error" id="title-error">Title must be at least 3 characters long</p>'
    )
    response.assertTextIncludes('<p class="error body-error" id="body-error">Body is required</p>')
    response.assertTextIncludes('<textarea id="body" name="body" rows="4"></textarea>')
  })

  test('renders an empty form without flash messages', async ({ client }) => {
    const response = await client.get('/posts')

    response.assertStatus(200)
    response.assertTextIncludes('id="title" name="title" value=""')
    response.assertTextIncludes('<p id="no-posts" class="muted">Nothing saved yet.</p>')
  })

  test('saves a valid post in the session', async ({ client }) => {
    const response = await client
      .post('/posts')
      .form({ title: 'Hello', body: 'World' })
      .withCsrfToken()
      .redirects(0)

    response.assertSession('posts', [{ title: 'Hello', body: 'World' }])
    response.assertFlashMessage('success', 'Post "Hello" saved')
    response.assertFlashMissing('errors')
  })

  test('refuses a POST without a CSRF token', async ({ client }) => {
    const response = await client
      .post('/posts')
      .form({ title: 'Hello', body: 'World' })
      .redirects(0)

    response.assertStatus(403)
    response.assertTextIncludes('The form was sent without a valid CSRF token.')
    response.assertSessionMissing('posts')
  })
})
