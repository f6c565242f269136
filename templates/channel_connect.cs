<?cs set:Page.title = Connect.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <a href="<?cs call:url_inbox() ?>"><?cs var:Lang.inbox.menu_inbox ?></a> › <?cs var:Lang.inbox.menu_settings ?> › <?cs var:Lang.channel.menu ?></p>
  <h1><?cs var:Connect.title ?></h1>
  <p class="lead"><?cs var:Lang.channel.connect_intro ?></p>
</div>
<ul class="provider-choice">
<?cs each:p = Connect.providers ?>
  <li>
    <a class="card provider-card" href="<?cs call:url_channel_connect_to(Team.id, p.name) ?>">
      <span class="mark mark-<?cs var:p.name ?>" aria-hidden="true"></span>
      <span class="provider-name"><?cs var:p.label ?></span>
      <span class="provider-hint"><?cs var:Lang.connect.hint[p.name] ?></span>
    </a>
  </li>
<?cs /each ?>
</ul>
<p><a href="<?cs call:url_channels(Team.id) ?>"><?cs var:Lang.channel.back ?></a></p>
<?cs include:"footer.cs" ?>
