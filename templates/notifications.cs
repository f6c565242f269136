<?cs set:Page.title = Lang.notify.title ?><?cs include:"header.cs" ?>
<div class="page-head with-action">
  <div>
    <h1><?cs var:Lang.notify.title ?></h1>
    <p class="lead"><?cs var:Lang.notify.intro ?></p>
  </div>
  <?cs if:User.unread != "0" && Notify.newest_id ?>
  <form method="post" action="<?cs call:url_path("/notifications/read") ?>" class="inline">
    <?cs call:csrf_field() ?>
    <input type="hidden" name="up_to" value="<?cs var:Notify.newest_id ?>">
    <button type="submit" class="button"><?cs var:Lang.notify.mark_read ?></button>
  </form>
  <?cs /if ?>
</div>
<?cs if:Notify.count == "0" ?>
<p class="empty"><?cs var:Lang.notify.empty ?></p>
<?cs else ?>
<ul class="notifications" aria-label="<?cs var:Lang.notify.table_caption ?>">
  <?cs each:n = Notify.rows ?>
  <li<?cs if:n.unread == "1" ?> class="unread"<?cs /if ?>>
    <p><?cs if:n.unread == "1" ?><span class="unread-badge"><?cs var:Lang.notify.new ?></span><?cs /if ?><?cs var:n.text ?></p>
    <p class="cause"><?cs var:n.cause ?></p>
    <p class="meta"><time datetime="<?cs var:n.time ?>"><?cs var:n.date ?></time> · <a href="<?cs call:url_path(n.link) ?>"><?cs var:Lang.notify.open_inbox ?></a></p>
  </li>
  <?cs /each ?>
</ul>
<nav class="pager" aria-label="<?cs var:Lang.notify.title ?>">
  <?cs if:Notify.paged ?><a class="button quiet" href="<?cs call:url_path("/notifications") ?>" rel="first"><?cs var:Lang.notify.newest ?></a><?cs /if ?>
  <?cs if:Notify.older ?><a class="button quiet" href="<?cs call:url_path("/notifications") ?>?before=<?cs var:Notify.older ?>" rel="next"><?cs var:Lang.notify.older ?></a><?cs /if ?>
</nav>
<?cs /if ?>
<?cs include:"footer.cs" ?>
