<?cs set:Page.title = Scopes.title ?><?cs include:"header.cs" ?>
<section class="card scopes" aria-labelledby="scopes-title">
  <?cs if:Scopes.inbox_name ?><p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <?cs var:Lang.inbox.menu_inbox ?> › <?cs var:Scopes.inbox_name ?> › <?cs var:Lang.channel.menu ?></p><?cs else ?><p class="breadcrumb"><?cs var:Lang.nav.settings ?> › <?cs var:Lang.nav.general ?> › <?cs var:Lang.nav.email ?></p><?cs /if ?>
  <h1 id="scopes-title"><?cs var:Scopes.title ?></h1>
  <p class="confirm-inbox"><span class="mark mark-<?cs var:Scopes.provider ?>" aria-hidden="true"></span><?cs if:Scopes.address ?><?cs var:Scopes.address ?> · <?cs /if ?><?cs var:Scopes.provider_label ?></p>
  <?cs if:Scopes.not_configured ?>
  <p><?cs var:Scopes.not_configured ?></p>
  <p class="confirm-actions"><a class="button" href="<?cs call:url_path(Scopes.chooser_url) ?>"><?cs var:Lang.scopes.other_provider ?></a></p>
  <?cs else ?>
  <p class="lead"><?cs var:Scopes.lead ?></p>
  <?cs if:Scopes.must_return ?><p class="must-return"><strong><?cs var:Scopes.must_return ?></strong></p><?cs /if ?>
  <h2><?cs var:Lang.scopes.inbox_needs ?></h2>
  <ul class="scope-list">
  <?cs each:s = Scopes.inbox ?><li><?cs var:s.text ?> <small class="scope-name"><?cs var:s ?></small></li><?cs /each ?>
  </ul>
  <h2><?cs var:Lang.scopes.other_features ?></h2>
  <?cs if:Scopes.other_count != "0" ?>
  <ul class="scope-list">
  <?cs each:s = Scopes.other ?><li><?cs var:s.text ?> <small class="scope-name"><?cs var:s ?></small></li><?cs /each ?>
  </ul>
  <?cs else ?>
  <p><?cs var:Lang.scopes.nothing_else ?></p>
  <?cs /if ?>
  <form method="post" action="<?cs call:url_path(Scopes.action) ?>" class="confirm-actions">
    <?cs call:csrf_field() ?>
    <button type="submit" class="button primary"><?cs var:Scopes.button ?></button>
    <a class="button quiet" href="<?cs call:url_path(Scopes.list_url) ?>"><?cs var:Lang.confirm.cancel ?></a>
  </form>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
