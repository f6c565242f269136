<?cs set:Page.title = Lang.people.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <?cs var:Lang.people.title ?></p>
  <h1><?cs var:Lang.people.title ?></h1>
  <p class="lead"><?cs var:Lang.people.intro ?></p>
  <p><a class="button primary" href="<?cs call:url_path("/admin/users/new") ?>"><?cs var:Lang.people.add ?></a></p>
</div>
<form method="get" action="<?cs call:url_path("/admin/users") ?>" class="filters" role="search">
  <label for="f-q"><?cs var:Lang.people.search ?></label>
  <input id="f-q" name="q" type="text" inputmode="email" maxlength="254" autocapitalize="off" spellcheck="false" value="<?cs var:Users.filter.q ?>">
  <label for="f-state"><?cs var:Lang.people.col_state ?></label>
  <select id="f-state" name="state">
    <option value=""><?cs var:Lang.people.any_state ?></option>
    <option value="active"<?cs if:Users.filter.state == "active" ?> selected<?cs /if ?>><?cs var:Lang.people.state.active ?></option>
    <option value="deactivated"<?cs if:Users.filter.state == "deactivated" ?> selected<?cs /if ?>><?cs var:Lang.people.state.deactivated ?></option>
  </select>
  <label for="f-role"><?cs var:Lang.people.col_role ?></label>
  <select id="f-role" name="role">
    <option value=""><?cs var:Lang.people.any_role ?></option>
    <option value="super_admin"<?cs if:Users.filter.role == "super_admin" ?> selected<?cs /if ?>><?cs var:Lang.people.role.super_admin ?></option>
    <option value="user"<?cs if:Users.filter.role == "user" ?> selected<?cs /if ?>><?cs var:Lang.people.role.user ?></option>
  </select>
  <button type="submit" class="button"><?cs var:Lang.people.filter ?></button>
</form>
<?cs if:Users.count == "0" ?>
<p class="empty"><?cs var:Lang.people.empty ?></p>
<?cs else ?>
<table class="list people">
  <caption class="visually-hidden"><?cs var:Lang.people.title ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.people.col_person ?></th>
    <th scope="col"><?cs var:Lang.people.col_role ?></th>
    <th scope="col"><?cs var:Lang.people.col_language ?></th>
    <th scope="col"><?cs var:Lang.people.col_state ?></th>
    <th scope="col"><?cs var:Lang.people.col_last_sign_in ?></th>
    <th scope="col"><?cs var:Lang.people.col_connected ?></th>
  </tr></thead>
  <tbody>
  <?cs each:r = Users.rows ?>
  <tr class="state-<?cs if:r.state == "deactivated" ?>disabled<?cs else ?>connected<?cs /if ?>" id="person-<?cs var:r.id ?>">
    <td class="person"><a href="<?cs call:url_path("/admin/users/" + r.id) ?>" class="address"><?cs var:r.email ?></a><?cs if:r.name ?><span class="state-note"><?cs var:r.name ?></span><?cs /if ?></td>
    <td data-label="<?cs var:Lang.people.col_role ?>"><?cs var:Lang.people.role[r.role] ?><?cs if:r.account_access == "1" ?> · <?cs var:Lang.people.account_access_short ?><?cs /if ?></td>
    <td data-label="<?cs var:Lang.people.col_language ?>"><?cs var:Lang.people.language[r.language] ?></td>
    <td data-label="<?cs var:Lang.people.col_state ?>"><span class="badge badge-<?cs if:r.state == "deactivated" ?>disabled<?cs else ?>connected<?cs /if ?>"><?cs var:Lang.people.state[r.state] ?></span></td>
    <td data-label="<?cs var:Lang.people.col_last_sign_in ?>"><?cs if:r.last_sign_in ?><?cs var:r.last_sign_in ?><?cs else ?><span class="none"><?cs var:Lang.people.never ?></span><?cs /if ?></td>
    <td data-label="<?cs var:Lang.people.col_connected ?>"><?cs var:r.inboxes ?>, <?cs var:r.channels ?></td>
  </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs /if ?>
<?cs if:Users.paged == "1" || Users.next ?>
<nav class="pager" aria-label="<?cs var:Lang.people.pages ?>">
  <?cs if:Users.paged == "1" ?><a class="button quiet" href="<?cs call:url_path("/admin/users") ?>?<?cs var:string.slice(Users.filter.query, #1, string.length(Users.filter.query)) ?>"><?cs var:Lang.people.first_page ?></a><?cs /if ?>
  <?cs if:Users.next ?><a class="button" rel="next" href="<?cs call:url_path("/admin/users") ?>?after=<?cs var:Users.next ?><?cs var:Users.filter.query ?>"><?cs var:Lang.people.next_page ?></a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs include:"footer.cs" ?>
