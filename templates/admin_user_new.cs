<?cs set:Page.title = Lang.people.new_title ?><?cs include:"header.cs" ?>
<section class="card" aria-labelledby="new-title">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <a href="<?cs call:url_path("/admin/users") ?>"><?cs var:Lang.people.title ?></a></p>
  <h1 id="new-title"><?cs var:Lang.people.new_title ?></h1>
  <p class="lead"><?cs if:New.smtp == "1" ?><?cs var:Lang.people.new_lead_mail ?><?cs else ?><?cs var:Lang.people.new_lead_link ?><?cs /if ?></p>
  <?cs if:New.error ?><p class="form-error" role="alert" id="new-error"><?cs var:New.error ?></p><?cs /if ?>
  <form method="post" action="<?cs call:url_path("/admin/users/new") ?>">
    <?cs call:csrf_field() ?>
    <div class="stack">
    <label for="new-email"><?cs var:Lang.people.email ?></label>
    <input id="new-email" name="email" type="email" autocomplete="off" required maxlength="254" value="<?cs var:New.email ?>"<?cs if:New.error ?> aria-invalid="true" aria-describedby="new-error"<?cs /if ?> autofocus>
    <label for="new-name"><?cs var:Lang.people.name ?></label>
    <input id="new-name" name="name" type="text" autocomplete="off" maxlength="128" value="<?cs var:New.name ?>">
    <fieldset class="stack">
      <legend><?cs var:Lang.people.col_role ?></legend>
      <label><input type="radio" name="role" value="user"<?cs if:New.role == "user" ?> checked<?cs /if ?>> <?cs var:Lang.people.role.user ?></label>
      <label><input type="radio" name="role" value="super_admin"<?cs if:New.role == "super_admin" ?> checked<?cs /if ?>> <?cs var:Lang.people.role.super_admin ?></label>
    </fieldset>
    <label><input type="checkbox" name="account_access" value="1"<?cs if:New.account_access == "1" ?> checked<?cs /if ?> aria-describedby="new-access-help"> <?cs var:Lang.people.account_access ?></label>
    <small id="new-access-help"><?cs var:Lang.people.account_access_help ?></small>
    <label for="new-language"><?cs var:Lang.people.col_language ?></label>
    <select id="new-language" name="language">
      <option value="browser"<?cs if:New.language == "browser" ?> selected<?cs /if ?>><?cs var:Lang.people.language.browser ?></option>
      <option value="en"<?cs if:New.language == "en" ?> selected<?cs /if ?>><?cs var:Lang.people.language.en ?></option>
      <option value="fr"<?cs if:New.language == "fr" ?> selected<?cs /if ?>><?cs var:Lang.people.language.fr ?></option>
    </select>
    </div>
    <p class="confirm-actions">
      <button type="submit" class="button primary"><?cs var:Lang.people.new_button ?></button>
      <a class="button quiet" href="<?cs call:url_path("/admin/users") ?>"><?cs var:Lang.confirm.cancel ?></a>
    </p>
  </form>
</section>
<?cs include:"footer.cs" ?>
