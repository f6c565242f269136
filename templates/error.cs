<?cs set:Page.title = Error.title ?><?cs include:"header.cs" ?>
<section class="card error-page" aria-labelledby="error-title">
  <p class="error-code"><?cs var:Error.code ?></p>
  <h1 id="error-title"><?cs var:Error.title ?></h1>
  <?cs if:Error.reason ?><p class="error-reason"><?cs var:Error.reason ?></p><?cs /if ?>
  <?cs if:Error.text ?><p><?cs var:Error.text ?></p><?cs /if ?>
  <?cs if:Error.steps ?><div class="manual-steps"><?cs call:manual_steps(Error.steps, Error.steps_address) ?></div><?cs /if ?>
  <?cs if:Error.retry_minutes ?><p><?cs var:Lang.error.retry_before ?> <?cs var:Error.retry_minutes ?> <?cs var:Lang.error.retry_after ?></p><?cs /if ?>
  <p class="error-actions"><?cs if:Error.next_url ?><a class="button primary" href="<?cs call:url_path(Error.next_url) ?>"><?cs var:Error.next_label ?></a> <?cs /if ?><a class="button" href="<?cs if:User.email ?><?cs call:url_email() ?><?cs else ?><?cs call:url_login() ?><?cs /if ?>"><?cs if:User.email ?><?cs var:Lang.error.back ?><?cs else ?><?cs var:Lang.error.to_login ?><?cs /if ?></a></p>
</section>
<?cs include:"footer.cs" ?>
