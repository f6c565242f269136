<?cs set:Page.title = Person.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <a href="<?cs call:url_path("/admin/users") ?>"><?cs var:Lang.people.title ?></a></p>
  <h1><?cs var:Person.display ?></h1>
  <p class="lead"><?cs var:Person.email ?> · <span class="badge badge-<?cs if:Person.state == "deactivated" ?>disabled<?cs else ?>connected<?cs /if ?>"><?cs var:Lang.people.state[Person.state] ?></span></p>
</div>
<?cs if:Link.url ?>
<section class="banner warn link-once" aria-labelledby="link-title">
  <div class="stack">
  <p><strong id="link-title"><?cs if:Link.purpose == "invite" ?><?cs var:Lang.people.link_invite_title ?><?cs else ?><?cs var:Lang.people.link_reset_title ?><?cs /if ?></strong></p>
  <p><?cs call:fill(Lang.people.link_once, "address", Person.email) ?></p>
  <label for="link-url"><?cs var:Lang.people.link_label ?></label>
  <input id="link-url" type="text" readonly value="<?cs var:Link.url ?>" class="link-url">
  </div>
</section>
<?cs /if ?>
<section aria-labelledby="about-title">
  <h2 id="about-title"><?cs var:Lang.people.about ?></h2>
  <dl class="facts">
    <dt><?cs var:Lang.people.col_language ?></dt><dd><?cs var:Lang.people.language[Person.language] ?></dd>
    <dt><?cs var:Lang.people.col_last_sign_in ?></dt><dd><?cs if:Person.last_sign_in ?><?cs var:Person.last_sign_in ?><?cs else ?><?cs var:Lang.people.never ?><?cs /if ?></dd>
    <dt><?cs var:Lang.people.col_connected ?></dt><dd><?cs var:Person.inboxes ?>, <?cs var:Person.channels ?></dd>
  </dl>
</section>
<section aria-labelledby="role-title">
  <h2 id="role-title"><?cs var:Lang.people.role_title ?></h2>
  <form method="post" action="<?cs call:url_path("/admin/users/" + Person.id + "/role") ?>" class="stack">
    <?cs call:csrf_field() ?>
    <fieldset class="stack">
      <legend><?cs var:Lang.people.col_role ?></legend>
      <label><input type="radio" name="role" value="user"<?cs if:Person.role == "user" ?> checked<?cs /if ?>> <?cs var:Lang.people.role.user ?></label>
      <label><input type="radio" name="role" value="super_admin"<?cs if:Person.role == "super_admin" ?> checked<?cs /if ?>> <?cs var:Lang.people.role.super_admin ?></label>
    </fieldset>
    <label><input type="checkbox" name="account_access" value="1"<?cs if:Person.account_access == "1" ?> checked<?cs /if ?> aria-describedby="access-help"> <?cs var:Lang.people.account_access ?></label>
    <small id="access-help"><?cs var:Lang.people.account_access_help ?></small>
    <p><button type="submit" class="button primary"><?cs var:Lang.people.role_button ?></button></p>
  </form>
</section>
<section aria-labelledby="password-title">
  <h2 id="password-title"><?cs var:Lang.people.password_title ?></h2>
  <?cs if:Person.state == "deactivated" ?>
  <p><?cs var:Lang.people.password_deactivated ?></p>
  <?cs else ?>
  <p><?cs var:Lang.people.password_text ?></p>
  <form method="post" action="<?cs call:url_path("/admin/users/" + Person.id + "/password-link") ?>">
    <?cs call:csrf_field() ?>
    <button type="submit" class="button"><?cs var:Lang.people.password_button ?></button>
  </form>
  <?cs /if ?>
</section>
<section aria-labelledby="state-title">
  <h2 id="state-title"><?cs var:Lang.people.state_title ?></h2>
  <?cs if:Person.state == "deactivated" ?>
  <p><?cs var:Lang.people.reactivate_text ?></p>
  <form method="post" action="<?cs call:url_path("/admin/users/" + Person.id + "/reactivate") ?>">
    <?cs call:csrf_field() ?>
    <button type="submit" class="button primary"><?cs var:Lang.people.reactivate_button ?></button>
  </form>
  <?cs else ?>
  <p><?cs var:Lang.people.deactivate_text ?></p>
  <p><a class="button danger" href="<?cs call:url_path("/admin/users/" + Person.id + "/deactivate") ?>"><?cs var:Lang.people.deactivate ?></a></p>
  <?cs /if ?>
</section>
<?cs include:"footer.cs" ?>
