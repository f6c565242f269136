<?cs set:Page.title = Lang.email.title ?><?cs include:"header.cs" ?><?cs include:"removed_list.cs" ?>
<div class="page-head with-action">
  <div>
    <p class="breadcrumb"><?cs var:Lang.nav.settings ?> › <?cs var:Lang.nav.general ?> › <?cs var:Lang.nav.email ?></p>
    <h1><?cs var:Lang.email.title ?></h1>
    <p class="lead"><?cs var:Lang.email.intro ?></p>
  </div>
  <?cs if:Email.count != "0" ?><a class="button primary" href="<?cs call:url_email_connect() ?>"><?cs var:Lang.email.connect ?></a><?cs /if ?>
</div>

<?cs if:Email.disconnected != "0" ?>
<div class="banner warn" role="status">
  <span class="banner-icon" aria-hidden="true">⚠</span>
  <div>
    <p><strong><?cs var:Lang.email.banner_title ?></strong> <?cs var:Lang.email.banner_text ?></p>
    <p class="banner-links"><?cs var:Lang.progress.banner_go ?> <?cs each:a = Email.attention ?><a href="#conn-<?cs var:a.id ?>"><?cs var:a.address ?> (<?cs var:a.provider_label ?>)</a> <?cs /each ?></p>
  </div>
</div>
<?cs /if ?>

<?cs if:Email.count == "0" ?>
<section class="card empty-state" aria-labelledby="empty-title">
  <span class="empty-mark" aria-hidden="true"></span>
  <h2 id="empty-title"><?cs var:Lang.email.empty_title ?></h2>
  <p><?cs var:Lang.email.empty_text ?></p>
  <a class="button primary" href="<?cs call:url_email_connect() ?>"><?cs var:Lang.email.connect ?></a>
</section>
<?cs else ?>
<table class="list inboxes">
  <caption class="visually-hidden"><?cs var:Lang.email.table_caption ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.email.col_inbox ?></th>
    <th scope="col"><?cs var:Lang.email.col_state ?></th>
    <th scope="col"><?cs var:Lang.email.col_since ?></th>
    <th scope="col"><span class="visually-hidden"><?cs var:Lang.email.col_actions ?></span></th>
  </tr></thead>
  <tbody>
  <?cs # The words of each row through a name bound to their node: found there
       at once, not searched for from the top of both trees on every row. ?><?cs with:words = Lang.email ?><?cs with:state_words = Lang.state ?><?cs each:r = Email.rows ?>
  <tr class="state-<?cs var:r.state ?>" id="conn-<?cs var:r.id ?>">
    <td class="inbox"><div class="inbox-cell">
      <span class="mark mark-<?cs var:r.provider ?>" aria-hidden="true"></span>
      <span class="address"><?cs var:r.address ?></span>
      <span class="provider"><?cs var:r.provider_label ?></span>
    </div>
    <?cs if:r.last_error ?><p class="last-error"><span class="visually-hidden"><?cs var:words.col_error ?> </span><?cs var:r.last_error ?><?cs if:r.last_error_code ?> <small class="code"><?cs var:r.last_error_code ?></small><?cs /if ?></p><?cs /if ?></td>
    <td data-label="<?cs var:words.col_state ?>"><span class="badge badge-<?cs var:r.state ?>"><?cs var:state_words[r.state] ?></span>
      <?cs if:r.state == "disabled" ?><span class="state-note"><?cs var:words.disabled_note ?></span><?cs /if ?><?cs if:r.state_note ?><span class="state-note"><?cs var:r.state_note ?></span><?cs /if ?></td>
    <td data-label="<?cs var:words.col_since ?>"><?cs var:r.since ?></td>
    <td class="actions">
      <?cs if:r.can_reconnect == "1" ?><a class="button primary" href="<?cs call:url_email_action(r.id, "reconnect") ?>" aria-label="<?cs var:words.reconnect ?> <?cs var:r.address ?>"><?cs var:words.reconnect ?></a><?cs /if ?>
      <?cs if:r.can_enable == "1" ?>
      <form method="post" action="<?cs call:url_email_action(r.id, "enable") ?>" class="inline">
        <?cs call:csrf_field() ?>
        <button type="submit" class="button" aria-label="<?cs var:words.enable ?> <?cs var:r.address ?>"><?cs var:words.enable ?></button>
      </form>
      <?cs /if ?>
      <?cs if:r.can_disable == "1" ?><a class="button" href="<?cs call:url_email_action(r.id, "disable") ?>" data-confirm aria-label="<?cs var:words.disable ?> <?cs var:r.address ?>"><?cs var:words.disable ?></a><?cs /if ?>
      <?cs if:r.can_remove == "1" ?><a class="button danger-outline" href="<?cs call:url_email_action(r.id, "remove") ?>" data-confirm aria-label="<?cs var:words.remove ?> <?cs var:r.address ?>"><?cs var:words.remove ?></a><?cs /if ?>
    </td>
  </tr>
  <?cs /each ?><?cs /with ?><?cs /with ?>
  </tbody>
</table>
<?cs /if ?>

<?cs if:Email.removed_count != "0" ?>
<?cs call:removed_list(Email.removed, Lang.email.removed_title, Lang.email.removed_on) ?>
<?cs /if ?>
<?cs include:"footer.cs" ?>
