<?cs set:Page.title = Lang.people.password_set_title ?><?cs include:"header.cs" ?>
<section class="card login" aria-labelledby="password-title">
  <h1 id="password-title"><?cs var:Lang.people.password_set_title ?></h1>
  <p class="lead"><?cs if:Password.purpose == "invite" ?><?cs call:fill(Lang.people.password_set_invite, "address", Password.email) ?><?cs else ?><?cs call:fill(Lang.people.password_set_reset, "address", Password.email) ?><?cs /if ?></p>
  <?cs if:Password.error ?><p class="form-error" role="alert" id="password-error"><?cs var:Password.error ?></p><?cs /if ?>
  <form method="post" action="<?cs call:url_path(Password.action) ?>" class="stack">
    <?cs call:csrf_field_with(Login.csrf) ?>
    <input type="email" name="username" autocomplete="username" value="<?cs var:Password.email ?>" hidden>
    <label for="password"><?cs var:Lang.people.password_new ?></label>
    <input id="password" name="password" type="password" autocomplete="new-password" required maxlength="1024"<?cs if:Password.error ?> aria-invalid="true" aria-describedby="password-error"<?cs /if ?> autofocus>
    <label for="password-again"><?cs var:Lang.people.password_again ?></label>
    <input id="password-again" name="password_again" type="password" autocomplete="new-password" required maxlength="1024">
    <button type="submit" class="button primary"><?cs var:Lang.people.password_set_button ?></button>
  </form>
</section>
<?cs include:"footer.cs" ?>
