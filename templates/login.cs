<?cs set:Page.title = Lang.login.title ?><?cs include:"header.cs" ?>
<section class="card login" aria-labelledby="login-title">
  <h1 id="login-title"><?cs var:Lang.login.title ?></h1>
  <p class="lead"><?cs var:Lang.login.intro ?></p>
  <?cs if:Login.error ?><p class="form-error" role="alert" id="login-error"><?cs var:Login.error ?></p><?cs /if ?>
  <form method="post" action="<?cs call:url_login() ?>" class="stack">
    <?cs call:csrf_field_with(Login.csrf) ?>
    <?cs if:Login.next ?><input type="hidden" name="next" value="<?cs var:Login.next ?>"><?cs /if ?>
    <label for="email"><?cs var:Lang.login.email ?></label>
    <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="<?cs var:Login.email ?>"<?cs if:Login.error ?> aria-describedby="login-error"<?cs /if ?> autofocus>
    <label for="password"><?cs var:Lang.login.password ?></label>
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
    <button type="submit" class="button primary"><?cs var:Lang.login.submit ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
