<?cs set:Page.title = Confirm.title ?><?cs include:"header.cs" ?>
<section class="card confirm confirm-remove" aria-labelledby="confirm-title">
  <p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <?cs var:Lang.inbox.menu_inbox ?> › <?cs var:Lang.inbox.menu_settings ?> › <?cs var:Lang.channel.menu ?></p>
  <h1 id="confirm-title"><?cs var:Confirm.title ?></h1>
  <p class="confirm-inbox"><span class="mark mark-<?cs var:Confirm.provider ?>" aria-hidden="true"></span><?cs var:Confirm.address ?> · <?cs var:Confirm.provider_label ?> · <?cs var:Team.name ?></p>
  <ul class="what-happens">
  <?cs each:p = Confirm.points ?><li><?cs var:p ?></li><?cs /each ?>
  </ul>
  <?cs if:Confirm.steps ?>
  <div class="manual-steps">
    <p><strong><?cs var:Lang.channel.steps_title ?></strong></p>
    <?cs call:manual_steps(Confirm.steps, Confirm.address) ?>
  </div>
  <?cs /if ?>
  <?cs call:who_is_told("h2") ?>
  <form method="post" action="<?cs call:url_path(Confirm.action) ?>" class="confirm-actions">
    <?cs call:csrf_field() ?>
    <button type="submit" class="button danger"><?cs var:Lang.channel.delete_button ?></button>
    <a class="button quiet" href="<?cs call:url_path(Confirm.list_url) ?>"><?cs var:Lang.confirm.cancel ?></a>
  </form>
</section>
<?cs include:"footer.cs" ?>
