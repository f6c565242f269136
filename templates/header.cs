<?cs # The top of every page: head, top bar, left menu, flash message.
       A page sets Page.title (and Nav.current) before including this, and may
       call the macros of macros.cs (csrf_field, url_*) after it. ?><?cs
include:"macros.cs" ?><!DOCTYPE html>
<html lang="<?cs var:Page.lang ?>">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><?cs var:Page.title ?> · <?cs var:Lang.app.name ?></title>
<link rel="stylesheet" href="<?cs call:url_static("style.css") ?>">
<link rel="icon" href="<?cs call:url_static("favicon.svg") ?>" type="image/svg+xml">
</head>
<body<?cs if:!User.email ?> class="signed-out"<?cs /if ?>>
<a class="skip-link" href="#main"><?cs var:Lang.nav.skip ?></a>
<header class="topbar">
  <a class="brand" href="<?cs call:url_home() ?>"><span class="brand-mark" aria-hidden="true"></span><?cs var:Lang.app.name ?></a>
  <?cs if:User.email ?>
  <div class="usermenu">
    <a class="bell<?cs if:User.unread != "0" ?> has-unread<?cs /if ?>" href="<?cs call:url_path("/notifications") ?>"<?cs if:Nav.current == "notifications" ?> aria-current="page"<?cs /if ?>><svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1z"/></svg><?cs if:User.unread != "0" ?><span class="bell-count" aria-hidden="true"><?cs var:User.unread ?></span><?cs /if ?><span class="visually-hidden"><?cs var:User.unread_label ?></span></a>
    <form method="post" action="<?cs call:url_language() ?>" class="inline">
      <?cs call:csrf_field() ?>
      <input type="hidden" name="next" value="<?cs var:Page.path ?>">
      <button type="submit" class="button quiet" name="language" value="<?cs var:Lang.nav.other_language ?>" lang="<?cs var:Lang.nav.other_language ?>" title="<?cs var:Lang.nav.switch_title ?>"><?cs var:Lang.nav.other_language_name ?></button>
    </form>
    <span class="who" title="<?cs var:User.email ?>"><span class="visually-hidden"><?cs var:Lang.nav.signed_in_as ?> </span><?cs var:User.display ?></span>
    <form method="post" action="<?cs call:url_logout() ?>" class="inline">
      <?cs call:csrf_field() ?>
      <button type="submit" class="button quiet"><?cs var:Lang.nav.sign_out ?></button>
    </form>
  </div>
  <?cs /if ?>
</header>
<div class="shell<?cs if:!User.email ?> shell-single<?cs /if ?>">
<?cs if:User.email ?>
<nav class="sidemenu" aria-label="<?cs var:Lang.nav.settings ?>">
  <p class="sidemenu-title"><?cs var:Lang.nav.settings ?></p>
  <ul>
    <li><span class="sidemenu-group"><?cs var:Lang.nav.general ?></span>
      <ul><li><a href="<?cs call:url_email() ?>"<?cs if:Nav.current == "email" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav.email ?></a></li></ul>
    </li>
    <?cs if:User.may_access_account == "1" ?>
    <li><span class="sidemenu-group"><?cs var:Lang.inbox.menu_conversations ?></span>
      <ul><li><a href="<?cs call:url_inbox() ?>"<?cs if:Nav.current == "inbox" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.inbox.menu_inbox ?></a></li></ul>
    </li>
    <?cs /if ?>
    <?cs if:User.is_super_admin == "1" ?>
    <li><span class="sidemenu-group"><?cs var:Lang.nav.admin ?></span>
      <ul><li><a href="<?cs call:url_audit() ?>"<?cs if:Nav.current == "audit" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.nav.audit ?></a></li>
        <li><a href="<?cs call:url_admin_connections() ?>"<?cs if:Nav.current == "connections" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.admin_connections.menu ?></a></li>
        <li><a href="<?cs call:url_path("/admin/users") ?>"<?cs if:Nav.current == "people" ?> aria-current="page"<?cs /if ?>><?cs var:Lang.people.menu ?></a></li></ul>
    </li>
    <?cs /if ?>
  </ul>
</nav>
<?cs /if ?>
<main id="main" tabindex="-1">
<?cs # The flash is shown once (its cookie is gone on reload), so dismissing it
       without a script is loading the page again; panel.js removes it in place
       and puts its words in the live region again so they are announced. ?><div class="flash-region" role="status"><?cs if:Flash.text ?>
<div class="flash" id="flash">
  <p><?cs var:Flash.text ?></p>
  <a class="flash-dismiss" href="<?cs call:url_path(Page.path) ?>" title="<?cs var:Lang.nav.dismiss ?>"><span aria-hidden="true">×</span><span class="visually-hidden"><?cs var:Lang.nav.dismiss ?></span></a>
</div>
<?cs /if ?></div>
