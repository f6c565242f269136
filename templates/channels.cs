<?cs set:Page.title = Channels.title ?><?cs include:"header.cs" ?><?cs include:"removed_list.cs" ?>
<div class="page-head with-action">
  <div>
    <p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <a href="<?cs call:url_inbox() ?>"><?cs var:Lang.inbox.menu_inbox ?></a> › <?cs var:Lang.inbox.menu_settings ?> › <?cs var:Lang.channel.menu ?></p>
    <h1><?cs var:Channels.title ?></h1>
    <p class="lead"><?cs var:Lang.channel.intro ?></p>
  </div>
  <?cs if:Channels.count != "0" ?><a class="button primary" href="<?cs call:url_channel_connect(Team.id) ?>"><?cs var:Lang.channel.connect ?></a><?cs /if ?>
</div>

<?cs if:Channels.disconnected != "0" ?>
<div class="banner warn" role="status">
  <span class="banner-icon" aria-hidden="true">⚠</span>
  <div>
    <p><strong><?cs var:Lang.channel.banner_title ?></strong> <?cs var:Channels.banner_text ?></p>
    <p class="banner-links"><?cs var:Lang.progress.banner_go ?> <?cs each:a = Channels.attention ?><a href="#conn-<?cs var:a.id ?>"><?cs var:a.address ?> (<?cs var:a.provider_label ?>)</a> <?cs /each ?></p>
  </div>
</div>
<?cs /if ?>

<?cs if:Channels.count == "0" ?>
<section class="card empty-state" aria-labelledby="empty-title">
  <span class="empty-mark" aria-hidden="true"></span>
  <h2 id="empty-title"><?cs var:Lang.channel.empty_title ?></h2>
  <p><?cs var:Channels.empty_text ?></p>
  <a class="button primary" href="<?cs call:url_channel_connect(Team.id) ?>"><?cs var:Lang.channel.connect ?></a>
</section>
<?cs else ?>
<table class="list inboxes channels">
  <caption class="visually-hidden"><?cs var:Channels.title ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.channel.col_address ?></th>
    <th scope="col"><?cs var:Lang.channel.col_state ?></th>
    <th scope="col"><?cs var:Lang.channel.col_connected_by ?></th>
    <th scope="col"><?cs var:Lang.channel.col_since ?></th>
    <th scope="col"><span class="visually-hidden"><?cs var:Lang.channel.col_actions ?></span></th>
  </tr></thead>
  <tbody>
  <?cs # As on the email page: the row's words through names bound to their node. ?><?cs with:words = Lang.channel ?><?cs with:state_words = Lang.state ?><?cs each:r = Channels.rows ?>
  <tr class="state-<?cs var:r.state ?>" id="conn-<?cs var:r.id ?>">
    <td class="inbox"><div class="inbox-cell">
      <span class="mark mark-<?cs var:r.provider ?>" aria-hidden="true"></span>
      <span class="address"><?cs var:r.address ?></span>
      <span class="provider"><?cs var:r.provider_label ?></span>
    </div>
    <?cs if:r.last_error ?><p class="last-error"><span class="visually-hidden"><?cs var:words.col_error ?> </span><?cs var:r.last_error ?><?cs if:r.last_error_code ?> <small class="code"><?cs var:r.last_error_code ?></small><?cs /if ?></p><?cs /if ?></td>
    <td data-label="<?cs var:words.col_state ?>"><span class="badge badge-<?cs var:r.state ?>"><?cs var:state_words[r.state] ?></span><?cs if:r.state_note ?><span class="state-note"><?cs var:r.state_note ?></span><?cs /if ?></td>
    <td data-label="<?cs var:words.col_connected_by ?>"><?cs if:r.connected_by ?><?cs var:r.connected_by ?><?cs else ?><span class="none"><?cs var:words.connected_by_unknown ?></span><?cs /if ?></td>
    <td data-label="<?cs var:words.col_since ?>"><?cs var:r.since ?></td>
    <td class="actions">
      <?cs if:r.can_reconnect == "1" ?><a class="button primary" href="<?cs call:url_channel_action(Team.id, r.id, "reconnect") ?>" aria-label="<?cs var:words.reconnect ?> <?cs var:r.address ?>"><?cs var:words.reconnect ?></a><?cs /if ?>
      <?cs if:r.can_remove == "1" ?><a class="button danger-outline" href="<?cs call:url_channel_action(Team.id, r.id, "delete") ?>" aria-label="<?cs var:words.delete ?> <?cs var:r.address ?>"><?cs var:words.delete ?></a><?cs /if ?>
    </td>
  </tr>
  <?cs /each ?><?cs /with ?><?cs /with ?>
  </tbody>
</table>
<?cs /if ?>

<?cs if:Channels.removed_count != "0" ?>
<?cs call:removed_list(Channels.removed, Lang.channel.removed_title, Lang.channel.removed_on) ?>
<?cs /if ?>
<?cs include:"footer.cs" ?>
