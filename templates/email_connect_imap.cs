<?cs if:Imap.team_id ?><?cs set:Page.title = Imap.team_title ?><?cs else ?><?cs set:Page.title = Lang.imap.title ?><?cs /if ?><?cs include:"header.cs" ?>
<section class="card imap-connect" aria-labelledby="imap-title">
  <?cs if:Imap.team_id ?>
  <p class="breadcrumb"><?cs var:Lang.inbox.menu_conversations ?> › <a href="<?cs call:url_inbox() ?>"><?cs var:Lang.inbox.menu_inbox ?></a> › <?cs var:Lang.inbox.menu_settings ?> › <a href="<?cs call:url_channels(Imap.team_id) ?>"><?cs var:Lang.channel.menu ?></a></p>
  <?cs else ?>
  <p class="breadcrumb"><?cs var:Lang.nav.settings ?> › <?cs var:Lang.nav.general ?> › <?cs var:Lang.nav.email ?></p>
  <?cs /if ?>
  <h1 id="imap-title"><?cs var:Page.title ?></h1>
  <p class="confirm-inbox"><span class="mark mark-imap" aria-hidden="true"></span><?cs var:Lang.provider.imap ?></p>
  <p class="lead"><?cs var:Lang.imap.lead ?></p>
  <?cs if:Imap.error ?><p class="form-error" role="alert" id="imap-error"><?cs var:Imap.error ?></p><?cs /if ?>
  <form method="post" action="<?cs call:url_path(Imap.action) ?>" class="stack">
    <?cs call:csrf_field() ?>
    <label for="imap-address"><?cs var:Lang.imap.address ?></label>
    <input id="imap-address" name="address" type="email" autocomplete="email" required maxlength="254" value="<?cs var:Imap.address ?>"<?cs if:!Imap.error ?> autofocus<?cs /if ?>>
    <label for="imap-host"><?cs var:Lang.imap.host ?></label>
    <input id="imap-host" name="host" type="text" required maxlength="253" autocapitalize="off" autocorrect="off" spellcheck="false" inputmode="url" value="<?cs var:Imap.host ?>" aria-describedby="<?cs if:Imap.error_field == "host" ?>imap-error <?cs /if ?>imap-host-help"<?cs if:Imap.error_field == "host" ?> aria-invalid="true" autofocus<?cs /if ?>>
    <small id="imap-host-help"><?cs var:Lang.imap.host_help ?></small>
    <fieldset<?cs if:Imap.error_field == "security" ?> aria-describedby="imap-error"<?cs /if ?>>
      <legend><?cs var:Lang.imap.security ?></legend>
      <label><input type="radio" name="security" value="imaps"<?cs if:Imap.security == "imaps" ?> checked<?cs /if ?>> <?cs var:Lang.imap.security_imaps ?></label>
      <label><input type="radio" name="security" value="starttls"<?cs if:Imap.security == "starttls" ?> checked<?cs /if ?>> <?cs var:Lang.imap.security_starttls ?></label>
    </fieldset>
    <label for="imap-port"><?cs var:Lang.imap.port ?></label>
    <input id="imap-port" name="port" type="number" inputmode="numeric" required min="1" max="65535" value="<?cs var:Imap.port ?>" aria-describedby="imap-port-help">
    <small id="imap-port-help"><?cs var:Lang.imap.port_help ?></small>
    <label for="imap-username"><?cs var:Lang.imap.username ?></label>
    <input id="imap-username" name="username" type="text" autocomplete="username" maxlength="254" autocapitalize="off" spellcheck="false" value="<?cs var:Imap.username ?>" aria-describedby="imap-username-help">
    <small id="imap-username-help"><?cs var:Lang.imap.username_help ?></small>
    <label for="imap-password"><?cs var:Lang.imap.password ?></label>
    <input id="imap-password" name="password" type="password" autocomplete="current-password" required maxlength="1024" aria-describedby="<?cs if:Imap.error_field == "password" ?>imap-error <?cs /if ?>imap-password-help"<?cs if:Imap.error_field == "password" ?> aria-invalid="true" autofocus<?cs /if ?>>
    <small id="imap-password-help"><?cs var:Lang.imap.password_help ?></small>
    <p class="confirm-actions">
      <button type="submit" class="button primary"><?cs var:Lang.imap.button ?></button>
      <a class="button quiet" href="<?cs call:url_path(Imap.chooser_url) ?>"><?cs var:Lang.imap.other_provider ?></a>
    </p>
  </form>
</section>
<?cs include:"footer.cs" ?>
