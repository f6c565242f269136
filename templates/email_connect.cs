<?cs set:Page.title = Lang.connect.title ?><?cs include:"header.cs" ?>
<div class="page-head">
  <p class="breadcrumb"><?cs var:Lang.nav.settings ?> › <?cs var:Lang.nav.general ?> › <?cs var:Lang.nav.email ?></p>
  <h1><?cs var:Lang.connect.title ?></h1>
  <p class="lead"><?cs var:Lang.connect.intro ?></p>
</div>
<ul class="provider-choice">
<?cs each:p = Connect.providers ?>
  <li>
    <a class="card provider-card" href="<?cs call:url_email_connect_to(p.name) ?>">
      <span class="mark mark-<?cs var:p.name ?>" aria-hidden="true"></span>
      <span class="provider-name"><?cs var:p.label ?></span>
      <span class="provider-hint"><?cs var:Lang.connect.hint[p.name] ?></span>
    </a>
  </li>
<?cs /each ?>
</ul>
<p><a href="<?cs call:url_email() ?>"><?cs var:Lang.connect.back ?></a></p>
<?cs include:"footer.cs" ?>
