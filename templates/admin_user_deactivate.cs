<?cs set:Page.title = Confirm.title ?><?cs include:"header.cs" ?>
<section class="card confirm confirm-remove" aria-labelledby="confirm-title">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <a href="<?cs call:url_path("/admin/users") ?>"><?cs var:Lang.people.title ?></a></p>
  <h1 id="confirm-title"><?cs var:Confirm.title ?></h1>
  <ul class="what-happens">
    <li><?cs var:Confirm.signs_out ?></li>
    <?cs if:Confirm.is_me == "1" ?><li><?cs var:Lang.people.deactivate_yourself ?></li><?cs /if ?>
  </ul>
  <form method="post" action="<?cs call:url_path("/admin/users/" + Confirm.id + "/deactivate") ?>">
    <?cs call:csrf_field() ?>
    <h2><?cs var:Lang.people.inboxes_title ?></h2>
    <?cs if:Confirm.inbox_count == "0" ?>
    <p><?cs var:Lang.people.no_inboxes ?></p>
    <?cs else ?>
    <p><?cs var:Lang.people.inboxes_go ?></p>
    <ul class="removed-list going-inboxes">
    <?cs each:c = Confirm.inboxes ?>
      <li class="removed-item"><p class="removed-head"><span class="mark mark-<?cs var:c.provider ?>" aria-hidden="true"></span><span class="address"><?cs var:c.address ?></span> <span class="provider"><?cs var:c.provider_label ?></span></p>
        <p><?cs var:c.revokes ?></p>
        <?cs if:c.steps ?><div class="manual-steps"><p><strong><?cs var:Lang.people.steps_title ?></strong></p><?cs call:manual_steps(c.steps, c.address) ?></div><?cs /if ?>
      </li>
    <?cs /each ?>
    </ul>
    <?cs /if ?>
    <h2><?cs var:Lang.people.channels_title ?></h2>
    <?cs if:Confirm.channel_count == "0" ?>
    <p><?cs var:Lang.people.no_channels ?></p>
    <?cs else ?>
    <ul class="removed-list going-channels">
    <?cs each:c = Confirm.channels ?>
      <li class="removed-item"><p class="removed-head"><span class="mark mark-<?cs var:c.provider ?>" aria-hidden="true"></span><span class="address"><?cs var:c.address ?></span> <span class="provider"><?cs var:c.provider_label ?></span></p></li>
    <?cs /each ?>
    </ul>
    <fieldset class="stack">
      <legend><?cs var:Lang.people.channels_choice ?></legend>
      <label><input type="radio" name="channels" value="keep" checked> <?cs var:Lang.people.channels_keep ?></label>
      <label><input type="radio" name="channels" value="remove"> <?cs var:Lang.people.channels_remove ?></label>
    </fieldset>
    <?cs call:who_is_told("h3") ?>
    <?cs /if ?>
    <p class="confirm-actions">
      <button type="submit" class="button danger"><?cs var:Lang.people.deactivate_button ?></button>
      <a class="button quiet" href="<?cs call:url_path(Confirm.person_url) ?>"><?cs var:Lang.confirm.cancel ?></a>
    </p>
  </form>
</section>
<?cs include:"footer.cs" ?>
