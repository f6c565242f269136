<?cs set:Page.title = Confirm.title ?><?cs include:"header.cs" ?>
<section class="card confirm confirm-<?cs var:Confirm.kind ?>" aria-labelledby="confirm-title">
  <p class="breadcrumb"><?cs var:Lang.nav.settings ?> › <?cs var:Lang.nav.general ?> › <?cs var:Lang.nav.email ?></p>
  <h1 id="confirm-title"><?cs var:Confirm.title ?></h1>
  <p class="confirm-inbox"><span class="mark mark-<?cs var:Confirm.provider ?>" aria-hidden="true"></span><?cs var:Confirm.address ?> · <?cs var:Confirm.provider_label ?></p>
  <ul class="what-happens">
  <?cs each:p = Confirm.points ?><li><?cs var:p ?></li><?cs /each ?>
  </ul>
  <?cs if:Confirm.steps ?>
  <div class="manual-steps">
    <p><strong><?cs var:Lang.confirm.steps_title ?></strong></p>
    <?cs call:manual_steps(Confirm.steps, Confirm.address) ?>
  </div>
  <?cs /if ?>
  <form method="post" action="<?cs call:url_path(Confirm.action) ?>" class="confirm-actions">
    <?cs call:csrf_field() ?>
    <button type="submit" class="button <?cs if:Confirm.kind == "remove" ?>danger<?cs else ?>primary<?cs /if ?>"><?cs var:Confirm.button ?></button>
    <a class="button quiet" href="<?cs call:url_email() ?>"><?cs var:Lang.confirm.cancel ?></a>
  </form>
</section>
<?cs include:"footer.cs" ?>
