<?cs set:Page.title = Lang.admin_connections.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <?cs var:Lang.admin_connections.title ?></p>
  <h1><?cs var:Lang.admin_connections.title ?></h1>
  <p class="lead"><?cs var:Lang.admin_connections.intro ?></p>
</div>
<form method="get" action="<?cs call:url_admin_connections() ?>" class="filters">
  <label for="f-state"><?cs var:Lang.admin_connections.state ?></label>
  <select id="f-state" name="state">
    <option value=""><?cs var:Lang.admin_connections.any_state ?></option>
    <?cs each:s = Connections.states ?><option value="<?cs var:s ?>"<?cs if:s == Connections.filter.state ?> selected<?cs /if ?>><?cs var:Lang.admin_connections.state_name[s] ?></option><?cs /each ?>
  </select>
  <label for="f-provider"><?cs var:Lang.admin_connections.provider ?></label>
  <select id="f-provider" name="provider">
    <option value=""><?cs var:Lang.admin_connections.any_provider ?></option>
    <?cs each:p = Connections.providers ?><option value="<?cs var:p.name ?>"<?cs if:p.name == Connections.filter.provider ?> selected<?cs /if ?>><?cs var:p.label ?></option><?cs /each ?>
  </select>
  <label for="f-kind"><?cs var:Lang.admin_connections.kind ?></label>
  <select id="f-kind" name="kind">
    <option value=""><?cs var:Lang.admin_connections.any_kind ?></option>
    <option value="personal"<?cs if:Connections.filter.kind == "personal" ?> selected<?cs /if ?>><?cs var:Lang.admin_connections.kind_name.personal ?></option>
    <option value="team"<?cs if:Connections.filter.kind == "team" ?> selected<?cs /if ?>><?cs var:Lang.admin_connections.kind_name.team ?></option>
  </select>
  <button type="submit" class="button"><?cs var:Lang.admin_connections.filter ?></button>
</form>
<?cs if:Connections.count == "0" ?>
<p class="empty"><?cs var:Lang.admin_connections.empty ?></p>
<?cs else ?>
<table class="list all-connections">
  <caption class="visually-hidden"><?cs var:Lang.admin_connections.title ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.admin_connections.col_address ?></th>
    <th scope="col"><?cs var:Lang.admin_connections.col_owner ?></th>
    <th scope="col"><?cs var:Lang.admin_connections.col_state ?></th>
    <th scope="col"><?cs var:Lang.admin_connections.col_date ?></th>
    <th scope="col"><?cs var:Lang.admin_connections.col_revocation ?></th>
  </tr></thead>
  <tbody>
  <?cs each:r = Connections.rows ?>
  <tr class="state-<?cs var:r.state ?>" id="connection-<?cs var:r.id ?>">
    <td class="inbox"><div class="inbox-cell">
      <span class="mark mark-<?cs var:r.provider ?>" aria-hidden="true"></span>
      <span class="address"><?cs var:r.address ?></span>
      <span class="provider"><?cs var:r.provider_label ?></span>
    </div></td>
    <td data-label="<?cs var:Lang.admin_connections.col_owner ?>"><?cs if:r.kind == "team" ?><?cs var:Lang.admin_connections.kind_name.team ?> · <a href="<?cs call:url_channels(r.inbox_id) ?>"><?cs var:r.inbox_name ?></a><?cs else ?><?cs var:Lang.admin_connections.kind_name.personal ?> · <?cs var:r.owner ?><?cs if:r.owner != r.owner_email ?> <small>(<?cs var:r.owner_email ?>)</small><?cs /if ?><?cs /if ?></td>
    <td data-label="<?cs var:Lang.admin_connections.col_state ?>"><span class="badge badge-<?cs var:r.state ?>"><?cs var:Lang.admin_connections.state_name[r.state] ?></span><?cs if:r.last_error ?> <span class="state-note"><?cs var:r.last_error ?></span><?cs /if ?></td>
    <td data-label="<?cs var:Lang.admin_connections.col_date ?>"><?cs if:r.state == "removed" ?><?cs var:Lang.admin_connections.removed_on ?><?cs else ?><?cs var:Lang.admin_connections.connected_on ?><?cs /if ?> <?cs var:r.date ?></td>
    <td data-label="<?cs var:Lang.admin_connections.col_revocation ?>"><?cs if:r.revocation ?><?cs var:Lang.admin_connections.revocation[r.revocation] ?><?cs else ?><span class="none"><?cs var:Lang.admin_connections.revocation_none ?></span><?cs /if ?></td>
  </tr>
  <?cs /each ?>
  </tbody>
</table>
<?cs /if ?>
<?cs if:Connections.paged == "1" || Connections.next ?>
<nav class="pager" aria-label="<?cs var:Lang.admin_connections.pages ?>">
  <?cs if:Connections.paged == "1" ?><a class="button quiet" href="<?cs call:url_admin_connections() ?>?<?cs var:string.slice(Connections.filter.query, #1, string.length(Connections.filter.query)) ?>"><?cs var:Lang.admin_connections.newest ?></a><?cs /if ?>
  <?cs if:Connections.next ?><a class="button" rel="next" href="<?cs call:url_admin_connections() ?>?before=<?cs var:Connections.next ?><?cs var:Connections.filter.query ?>"><?cs var:Lang.admin_connections.older ?></a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs include:"footer.cs" ?>
