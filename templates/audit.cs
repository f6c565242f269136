<?cs set:Page.title = Lang.audit.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.nav.admin ?> › <?cs var:Lang.audit.title ?></p>
  <h1><?cs var:Lang.audit.title ?></h1>
  <p class="lead"><?cs var:Lang.audit.intro ?></p>
</div>
<form method="get" action="<?cs call:url_audit() ?>" class="filters">
  <div class="field">
    <label for="f-action"><?cs var:Lang.audit.action ?></label>
    <select id="f-action" name="action">
      <option value=""><?cs var:Lang.audit.any_action ?></option>
      <?cs each:a = Audit.actions ?><option value="<?cs var:a.code ?>"<?cs if:a.code == Audit.filter.action ?> selected<?cs /if ?>><?cs var:a.words ?></option><?cs /each ?>
    </select>
  </div>
  <div class="field">
    <label for="f-actor"><?cs var:Lang.audit.actor ?></label>
    <input id="f-actor" name="actor" type="text" maxlength="254" value="<?cs var:Audit.filter.actor ?>">
  </div>
  <div class="field">
    <label for="f-from"><?cs var:Lang.audit_words.from ?></label>
    <input id="f-from" name="from" type="date" value="<?cs var:Audit.filter.from ?>">
  </div>
  <div class="field">
    <label for="f-to"><?cs var:Lang.audit_words.to ?></label>
    <input id="f-to" name="to" type="date" value="<?cs var:Audit.filter.to ?>">
  </div>
  <div class="filter-actions">
    <button type="submit" class="button"><?cs var:Lang.audit.filter ?></button>
    <?cs if:Audit.filtered ?><a class="button quiet" href="<?cs call:url_audit() ?>"><?cs var:Lang.audit_words.clear ?></a><?cs /if ?>
  </div>
  <span class="exports">
    <a class="button quiet" href="<?cs call:url_audit() ?>?format=csv<?cs var:Audit.filter.query ?>"><?cs var:Lang.audit.export_csv ?></a>
    <a class="button quiet" href="<?cs call:url_audit() ?>?format=json<?cs var:Audit.filter.query ?>"><?cs var:Lang.audit.export_json ?></a>
  </span>
</form>
<p class="dates-note"><?cs var:Lang.audit_words.dates_utc ?></p>
<?cs if:Audit.count == "0" ?>
<p class="empty"><?cs var:Lang.audit.empty ?></p>
<?cs else ?>
<p class="count"><?cs var:Audit.count_words ?></p>
<table class="list audit">
  <caption class="visually-hidden"><?cs var:Lang.audit.title ?></caption>
  <thead><tr>
    <th scope="col"><?cs var:Lang.audit_words.col_time ?></th>
    <th scope="col"><?cs var:Lang.audit.col_actor ?></th>
    <th scope="col"><?cs var:Lang.audit.col_action ?></th>
    <th scope="col"><?cs var:Lang.audit.col_target ?></th>
    <th scope="col"><?cs var:Lang.audit.col_detail ?></th>
    <th scope="col"><?cs var:Lang.audit.col_from ?></th>
  </tr></thead>
  <tbody>
  <?cs each:r = Audit.rows ?>
  <tr>
    <td data-label="<?cs var:Lang.audit_words.col_time ?>"><time datetime="<?cs var:r.time.iso ?>" data-local><?cs var:r.time.text ?></time></td>
    <td data-label="<?cs var:Lang.audit.col_actor ?>"><?cs var:r.actor ?></td>
    <td data-label="<?cs var:Lang.audit.col_action ?>"><span class="action-words"><?cs var:r.action_words ?></span> <small class="code"><?cs var:r.action ?></small></td>
    <td data-label="<?cs var:Lang.audit.col_target ?>"><?cs var:r.target ?></td>
    <td data-label="<?cs var:Lang.audit.col_detail ?>"><?cs var:r.detail ?></td>
    <td data-label="<?cs var:Lang.audit.col_from ?>"><?cs var:r.client_addr ?></td>
  </tr>
  <?cs /each ?>
  </tbody>
</table>
<nav class="pager" aria-label="<?cs var:Lang.audit.pages ?>">
  <?cs if:Audit.newer ?><a class="button quiet" href="<?cs call:url_audit() ?>?newer=<?cs var:Audit.newer ?><?cs var:Audit.filter.query ?>" rel="prev"><?cs var:Lang.audit.newer ?></a><?cs /if ?>
  <?cs if:Audit.older ?><a class="button quiet" href="<?cs call:url_audit() ?>?older=<?cs var:Audit.older ?><?cs var:Audit.filter.query ?>" rel="next"><?cs var:Lang.audit.older ?></a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs include:"footer.cs" ?>
